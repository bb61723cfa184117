// sim/flushsim/mutant.cpp
#include "mutant.hpp"

#include <fmt/format.h>

#include "exit_codes.hpp"
#include "subject.hpp"
#include "flushcoord/properties/mutants.hpp"

namespace flushsim {

#if defined(FLUSHCOORD_ENABLE_MUTANTS)

bool mutants_supported() noexcept { return true; }
std::string_view tool_name() noexcept { return "flushsim_mutants"; }

void select_mutant(const std::optional<std::string>& name) {
  if (!name) {
    flushcoord::mutation::active = flushcoord::mutation::id::none;
    return;
  }
  const auto m = flushcoord::properties::find_mutant(*name);
  if (!m) throw usage_error(fmt::format("unknown mutant '{}' (list them with: flushsim_mutants mutants)", *name));
  flushcoord::mutation::active = m->id;
}

std::string mutant_catalogue() {
  std::string out;
  for (const auto& m : flushcoord::properties::mutants)
    fmt::format_to(std::back_inserter(out), "{:<36} {:<40} {}\n", m.name, m.breaks, m.what);
  return out;
}

#else

bool mutants_supported() noexcept { return false; }
std::string_view tool_name() noexcept {
  const std::string& tool = current_subject().tool;
  return tool.empty() ? std::string_view("flushsim") : std::string_view(tool);
}

void select_mutant(const std::optional<std::string>& name) {
  if (name)
    throw usage_error(fmt::format("mutant '{}' needs the test binary flushsim_mutants; this flushsim is built "
                                  "without mutation points",
                                  *name));
}

std::string mutant_catalogue() { return {}; }

#endif

}  // namespace flushsim

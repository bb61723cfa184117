// properties/src/mutant_switch.cpp — see mutant_switch.hpp.
#include "flushcoord/properties/mutant_switch.hpp"

#include <stdexcept>
#include <string>

#include "flushcoord/properties/mutants.hpp"

namespace flushcoord::properties {

bool mutants_available() noexcept {
#if defined(FLUSHCOORD_ENABLE_MUTANTS)
  return true;
#else
  return false;
#endif
}

mutant_scope::mutant_scope(std::string_view name) {
  if (name.empty()) return;  // leaves whatever mutant is on as it is
  const auto m = find_mutant(name);
  if (!m) throw std::invalid_argument("unknown mutant '" + std::string(name) + "'");
#if defined(FLUSHCOORD_ENABLE_MUTANTS)
  previous_ = static_cast<int>(mutation::active);
  mutation::active = m->id;
  engaged_ = true;
#else
  throw std::invalid_argument("mutant '" + std::string(name) +
                              "' needs a build with mutants (flushcoord_properties_mutants)");
#endif
}

mutant_scope::~mutant_scope() {
#if defined(FLUSHCOORD_ENABLE_MUTANTS)
  if (engaged_) mutation::active = static_cast<mutation::id>(previous_);
#endif
}

}  // namespace flushcoord::properties

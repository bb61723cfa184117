// sim/flushsim/trace_input.cpp
#include "trace_input.hpp"

#include <stdexcept>

#include <fmt/format.h>

#include "exit_codes.hpp"

namespace flushsim {

namespace {

/// parse_scenario's messages end with the offending line's text; finds its
/// number (1-based) within `text`, or 0.
std::size_t offending_line(const std::string& text, std::string_view message) {
  std::size_t number = 0;
  std::size_t pos = 0;
  while (pos < text.size()) {
    const std::size_t end = std::min(text.find('\n', pos), text.size());
    ++number;
    const std::string_view line(text.data() + pos, end - pos);
    if (!line.empty() && message.size() > line.size() + 2 &&
        message.substr(message.size() - line.size() - 2) == fmt::format(": {}", line))
      return number;
    pos = end + 1;
  }
  return 0;
}

}  // namespace

flushcoord::sim::trace read_trace_file(const std::filesystem::path& path) {
  try {
    return flushcoord::sim::load_trace(path);
  } catch (const flushcoord::sim::trace_error& e) {
    // load_trace names the file itself when the problem is not on a line.
    if (e.line() == 0) throw usage_error(e.what());
    throw usage_error(fmt::format("{}: {}", path.string(), e.what()));
  }
}

flushcoord::properties::scenario parse_scenario_at(const std::string& text, std::string_view where,
                                                   std::size_t first_line) {
  try {
    return flushcoord::properties::parse_scenario(text);
  } catch (const std::invalid_argument& e) {
    const std::size_t k = offending_line(text, e.what());
    if (k == 0) throw usage_error(fmt::format("{}: {}", where, e.what()));
    throw usage_error(fmt::format("{}:{}: {}", where, first_line + k - 1, e.what()));
  } catch (const std::exception& e) {
    throw usage_error(fmt::format("{}: unusable scenario: {}", where, e.what()));
  }
}

}  // namespace flushsim

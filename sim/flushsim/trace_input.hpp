// sim/flushsim/trace_input.hpp — reading user-supplied files, with errors
// that name the file and line (all reported as usage_error: exit 2).
#pragma once

#include <cstddef>
#include <filesystem>
#include <string>
#include <string_view>

#include "flushcoord/properties/scenario.hpp"
#include "flushcoord/sim/trace.hpp"

namespace flushsim {

/// load_trace, with the file's name in front of any error.
flushcoord::sim::trace read_trace_file(const std::filesystem::path& path);

/// parse_scenario of `text`, whose first line is line `first_line` of
/// `where`; an error names "where:LINE".
flushcoord::properties::scenario parse_scenario_at(const std::string& text, std::string_view where,
                                                   std::size_t first_line);

}  // namespace flushsim

// sim/flushsim/show.hpp — `flushsim show FILE`: a trace as a story.
//
// By default the coordinator's level: one line per state change of a
// flush, in plain words (story.hpp), then the failure: its property, the
// flushes and tasks it names, what went wrong (a lost wake-up, a wait-for
// cycle: diagnosis.hpp) and who was waiting on what. Lines that matter to
// the failure are marked with '>'. `--level runtime` shows every event of
// the simulator instead (each scheduling point, lock, wait and wake, with
// the coordinator's events among them). `--flush N` and `--task NAME`
// keep only the lines about one flush or one task.
#pragma once

#include <cstdint>
#include <optional>
#include <string>

#include "flushcoord/sim/trace.hpp"

namespace flushsim {

struct show_options {
  std::string level = "coordinator";   ///< "coordinator" or "runtime"
  std::optional<std::uint64_t> flush;  ///< only this flush's lines
  std::optional<std::string> task;     ///< only this task's: "writer#2", or every task named "writer"
};

/// The header, the timeline at the chosen level, and the failure.
/// Throws usage_error for a level that does not exist, or a flush or task
/// that the trace does not have (naming those it has).
std::string format_timeline(const flushcoord::sim::trace& t, const show_options& opts = {});

}  // namespace flushsim

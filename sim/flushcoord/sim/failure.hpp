// flushcoord/sim/failure.hpp — how a simulated run can fail.
//
// Types:
//   failure_class   what kind of failure ended a run (one exit code each)
//   failure         the class plus a one-line message and a multi-line report
//   aborted         thrown into a task's fiber when a failed run is abandoned
#pragma once

#include <string>
#include <string_view>

namespace flushcoord::sim {

/// Why a run stopped early. Each class has its own process exit code
/// (exit_code below) so scripts can tell them apart.
enum class failure_class {
  property,            ///< a checker called simulator::fail (a §5 property)
  deadlock,            ///< every live task blocked and no timer pending
  step_budget,         ///< more scheduling points than config::steps_max (livelock/hang)
  time_budget,         ///< virtual time would pass config::virtual_time_max (hang)
  nondeterminism,      ///< the schedule diverged from a recording (replay)
  uncaught_exception,  ///< a task's function let an exception escape
  liveness,            ///< work did not finish within the fault-free phase's bound
};

/// Stable lower-case name, used in reports and trace files.
std::string_view to_string(failure_class c) noexcept;

/// Process exit code for a failure class: 10 + the enum's position. 0 means
/// success and 1..9 stay free for tool errors (bad arguments, I/O).
int exit_code(failure_class c) noexcept;

/// The first failure of a run. Later failures of the same run are ignored:
/// the first one is the cause, what follows is usually its consequence.
struct failure {
  failure_class what = failure_class::property;
  std::string message;  ///< one line, no trailing newline
  std::string report;   ///< multi-line detail (blocked tasks, ...), may be empty
};

/// Thrown inside a task when the simulator abandons a failed run, so that the
/// task's stack unwinds and every destructor runs (no leaks). It deliberately
/// does not derive from std::exception: `catch (const std::exception&)` in
/// workload code must not swallow it. Code that catches `...` should rethrow;
/// if it does not, the next blocking call throws again.
struct aborted {};

}  // namespace flushcoord::sim

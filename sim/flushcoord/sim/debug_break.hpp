// flushcoord/sim/debug_break.hpp — stopping a run under a debugger at a step.
//
// With config::break_at_step = N, the simulator calls config::on_break (by
// default flushcoord_sim_break) once per run, just before the first event
// of step N (the first event a trace labels N) that happens on a task's
// fiber, ON THAT FIBER: a debugger stopped there sees the task's whole
// stack — its own code, the coordinator's, the simulator's operation. (A
// wake is emitted by the task that wakes another, so a step that begins
// with one stops in the waker.) The call changes nothing in the run:
// replaying with and without it gives the same decisions and hashes.
//
// In gdb (docs/debugging.md):
//   gdb --args flushsim replay FILE --break-at-step N
//   (gdb) run                          # stops with SIGTRAP in flushcoord_sim_break
//   (gdb) bt                           # the task's stack
// or `break flushcoord_sim_break` before `run` (then no SIGTRAP is needed:
// flushcoord_sim_break raises it only when a debugger is attached).
#pragma once

#include <cstdint>
#include <limits>

#include "flushcoord/sim/ids.hpp"

namespace flushcoord::sim {

/// Where a run stopped for the debugger.
struct break_point {
  std::uint64_t step = 0;        ///< the step about to run
  task_id task = no_task;        ///< the task about to run it
  const char* task_name = "";
  std::int64_t time_ns = 0;      ///< virtual time
};

using break_handler = void (*)(const break_point&);

inline constexpr std::uint64_t no_break_step = std::numeric_limits<std::uint64_t>::max();

/// True if a debugger (a tracer) is attached to this process (Linux:
/// TracerPid in /proc/self/status; false where that cannot be read).
bool debugger_attached() noexcept;

}  // namespace flushcoord::sim

/// The default break handler: raises SIGTRAP if a debugger is attached,
/// else does nothing. A plain, never-inlined C function, so that
/// `break flushcoord_sim_break` works in any debugger.
extern "C" void flushcoord_sim_break(const flushcoord::sim::break_point* where);

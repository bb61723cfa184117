// flushcoord/sim/access.hpp — what a step touched, for partial-order reduction.
//
// A STEP is what one task does between two consecutive scheduling decisions
// of the simulator (simulator::choose calls): the operation it was poised at
// when picked, then its own code up to its next scheduling point, block or
// finish. When config::record_accesses is on, the simulator logs every
// shared simulator object a step reads or writes. Two steps of different
// tasks are INDEPENDENT when no access of one conflicts with an access of the
// other (same object, at least one write; `global` conflicts with all):
// executing them in either order reaches the same state.
//
// Conservative by design (soundness over speed): every mutex and condvar
// access counts as a write. A sleep that honours a stop token, and a read of
// it through runtime::stop_requested, read `stop` (its stop state); the
// request, made from plain code, is logged as a write by a
// std::stop_callback registered at the state's first sight. A state already
// stopped when first seen was written unseen: that sleep is `global`.
// The runtime stopping unstarted streams writes `streams_stop`, which the
// only steps whose effect it changes read: the spawn of a stream and a
// stream's first step (either is dropped once the stop happened). A dropped
// stream's first step also reads `spawned`, which its spawner writes on
// returning from spawn: core fails that flush from one or the other,
// through plain memory (detail::spawn_attempt).
// What is NOT tracked: plain memory that workload code shares without a sim
// mutex (the property checkers' fact stream). The explorer assumes the
// checkers' verdicts depend only on the order of dependent steps
// (explorer.hpp says so where it is used).
#pragma once

#include <cstdint>

#include "flushcoord/sim/ids.hpp"

namespace flushcoord::sim {

/// The kind of object an access names.
enum class object_class : std::uint8_t {
  mutex,      ///< id = mutex id
  condvar,    ///< id = condvar id
  task,       ///< id = task id; write = finished, read = join/done
  spawn,      ///< id = 0; task ids are handed out in spawn order
  timer,      ///< id = low 32 bits of the deadline; same-instant timers fire in registration order
  global,     ///< conflicts with every access
  step_end,   ///< not an access: marks the end of `task`'s step; id = 1 if it is still runnable
  wake,       ///< not an access: the step made task `id` runnable (woke or spawned it); DPOR's enabling edge
  stop,       ///< id = a stop state, numbered in order of first sight; read = a sleep on its token, write = its stop request
  streams_stop,  ///< the runtime stopping unstarted streams (write); read by a stream's spawn and its first step
  spawned,    ///< id = a stream task; write = its spawner returning from spawn; read = its first step, if dropped
};

/// One logged access. `step` numbers the steps of a run (one per
/// simulator::choose call), so a log can be split into steps.
struct access {
  task_id task = no_task;  ///< the stepping task (no_task: the clock firing timers)
  std::uint32_t step = 0;
  object_class cls = object_class::global;
  bool write = true;
  std::uint32_t id = 0;
  /// For a mutex access: the step tried to take the mutex (lock, or the
  /// re-lock of a condvar wait), whether it took it or blocked on it. DPOR
  /// reverses races between such attempts only.
  bool acquire = false;
};

/// Whether two accesses (of different tasks) make their steps dependent.
constexpr bool conflicts(const access& a, const access& b) noexcept {
  if (a.cls == object_class::step_end || b.cls == object_class::step_end) return false;
  if (a.cls == object_class::wake || b.cls == object_class::wake) return false;
  if (a.cls == object_class::global || b.cls == object_class::global) return true;
  return a.cls == b.cls && a.id == b.id && (a.write || b.write);
}

}  // namespace flushcoord::sim

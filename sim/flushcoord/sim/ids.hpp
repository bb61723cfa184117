// flushcoord/sim/ids.hpp — identifiers of tasks and simulated objects.
#pragma once

#include <cstdint>

namespace flushcoord::sim {

/// A task's number in spawn order within a run: 0 is the run's main task.
/// Schedulers see runnable tasks ordered by this id, never by address.
using task_id = std::uint32_t;
inline constexpr task_id no_task = 0xffffffffu;

/// Number of a simulated mutex or condvar within a run, from 1 in order of
/// first use (0 = not yet used in this run). Reports say "mutex#3".
using object_id = std::uint32_t;

}  // namespace flushcoord::sim

// sim/src/dpor_races.hpp — happens-before and race detection over one
// recorded execution, for the source-DPOR search (dpor.cpp; the method is
// described in flushcoord/sim/dpor.hpp).
#pragma once

#include <cstddef>
#include <cstdint>
#include <functional>
#include <span>
#include <vector>

#include "flushcoord/sim/access.hpp"

namespace flushcoord::sim::dpor_detail {

/// One event of an execution: a task's step, or the clock firing timers.
struct step_event {
  task_id task = no_task;          ///< no_task: the clock (a barrier, see dpor.hpp)
  std::uint32_t step = 0;          ///< the access log's step number
  std::vector<access> footprint;   ///< accesses and wake markers, step_end excluded
};

/// Splits a run's whole access log into events, in execution order. The
/// clock's accesses (task no_task) share the step number of the step that
/// blocked before the clock fired; they become an event of their own after it.
std::vector<step_event> split_steps(std::span<const access> log);

/// Called per race: `first` is the index of the earlier event, `initials`
/// the tasks that can start an execution reversing it (source-DPOR's I).
using race_sink = std::function<void(std::size_t first, std::span<const task_id> initials)>;

/// Computes vector clocks over `ev` and reports every reversible race whose
/// later event has index >= fresh_from (earlier ones were reported by the
/// run that first executed them). Returns the number reported.
std::uint64_t find_races(const std::vector<step_event>& ev, std::size_t fresh_from, const race_sink& sink);

}  // namespace flushcoord::sim::dpor_detail

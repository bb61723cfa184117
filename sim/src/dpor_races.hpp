// sim/src/dpor_races.hpp — happens-before and race detection over one
// recorded execution, for the source-DPOR search (dpor.cpp; the method is
// described in flushcoord/sim/dpor.hpp).
#pragma once

#include <algorithm>
#include <compare>
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

/// An execution's equivalence class, as 128 bits of hash: two executions
/// get the same key exactly when they have the same events (per task, in
/// program order, with the same accesses) and the same happens-before
/// between them — the relation the search above reverses races in. So the
/// number of distinct keys among the runs of a search is the number of
/// classes it reached (explore_limits::count_classes); a chance collision
/// (about n^2 / 2^129 for n runs) could only undercount. Objects are named
/// as the access log names them (mutexes and condvars by birth), stop
/// states by the event that saw them first: if two unordered reads can be
/// first, one class can count as two.
struct class_key {
  std::uint64_t a = 0, b = 0;
  friend auto operator<=>(const class_key&, const class_key&) = default;
};
class_key class_of(const std::vector<step_event>& ev);

/// The classes of a search's runs (explore_limits::count_classes).
class class_census {
 public:
  void add(std::span<const access> whole_run) { keys_.push_back(class_of(split_steps(whole_run))); }
  /// The number of distinct classes added so far.
  std::uint64_t distinct() {
    std::sort(keys_.begin(), keys_.end());
    keys_.erase(std::unique(keys_.begin(), keys_.end()), keys_.end());
    return keys_.size();
  }

 private:
  std::vector<class_key> keys_;
};

}  // namespace flushcoord::sim::dpor_detail

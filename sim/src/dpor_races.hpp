// sim/src/dpor_races.hpp — happens-before and race detection over one
// recorded execution, for the source-DPOR search (dpor.cpp; the method is
// described in flushcoord/sim/dpor.hpp).
#pragma once

#include <algorithm>
#include <compare>
#include <cstddef>
#include <cstdint>
#include <functional>
#include <map>
#include <span>
#include <vector>

#include "flushcoord/sim/access.hpp"

namespace flushcoord::sim::dpor_detail {

/// One event of an execution: a task's step, or the clock firing timers.
struct step_event {
  task_id task = no_task;          ///< no_task: the clock (a barrier, see dpor.hpp)
  std::uint32_t step = 0;          ///< the access log's step number
  std::vector<access> footprint;   ///< accesses and wake markers, step_end excluded
  bool ends_runnable = false;      ///< the step ended at a scheduling point, its task still runnable
};

/// Splits a run's whole access log into events, in execution order. The
/// clock's accesses (task no_task) are a step of their own (the simulator
/// ends the blocked step before the clock fires) and become its event; any
/// that shared a task's step would still follow that task's event.
std::vector<step_event> split_steps(std::span<const access> log);

using vector_clock = std::vector<std::uint32_t>;

/// One reversible race, as find_races reports it.
struct race {
  std::size_t first;                       ///< index of the earlier event
  std::span<const task_id> initials;       ///< tasks that can start its reversal (source-DPOR's I)
  std::span<const std::size_t> initial_events;  ///< per initial: its first event in v, its next after `first`'s prefix
  const std::vector<vector_clock>& clocks; ///< happens-before (clocks_of), valid up to the later event
  const vector_clock& later_clock;         ///< the later event's, without the race itself (for reversing)
  std::size_t later;                       ///< index of the later event

  /// The clock of initial_events[k] when it runs first after the prefix.
  const vector_clock& initial_clock(std::size_t k) const {
    return initial_events[k] == later ? later_clock : clocks[initial_events[k]];
  }
};

/// Called per race.
using race_sink = std::function<void(const race&)>;

/// Computes vector clocks over `ev` and reports every reversible race whose
/// later event has index >= fresh_from (earlier ones were reported by the
/// run that first executed them). Returns the number reported.
std::uint64_t find_races(const std::vector<step_event>& ev, std::size_t fresh_from, const race_sink& sink);

/// Happens-before over `ev`, the relation find_races reverses races in:
/// clocks[j][t] = 1 + the index of task t's latest event that happens
/// before event j (j itself for its own task), or 0. The clock is a barrier
/// (dpor.hpp) and has no entry of its own.
std::vector<vector_clock> clocks_of(const std::vector<step_event>& ev);

/// An execution's equivalence class, as 128 bits of hash: two executions
/// get the same key exactly when they have the same events (per task, in
/// program order, with the same accesses) and the same happens-before
/// between them — the relation the search above reverses races in. So the
/// number of distinct keys among the runs of a search is the number of
/// classes it reached (explore_limits::count_classes); a chance collision
/// (about n^2 / 2^129 for n runs) could only undercount. Objects are named
/// as the access log names them (mutexes and condvars by birth), stop
/// states by the least (task, ordinal) event that touches them, which every
/// execution of the class has (the run's first toucher is not: two sleeps
/// on one token read it unordered).
struct class_key {
  std::uint64_t a = 0, b = 0;
  friend auto operator<=>(const class_key&, const class_key&) = default;
};
class_key class_of(const std::vector<step_event>& ev, const std::vector<vector_clock>& clocks);
inline class_key class_of(const std::vector<step_event>& ev) { return class_of(ev, clocks_of(ev)); }

/// The fewest preemptions of any execution equivalent to `ev` (any order of
/// its events that keeps `clocks`), capped at cap + 1: the bound of its
/// class, as Marmanis, Kokologiannakis and Vafeiadis (TACAS 2023) bound an
/// execution graph, rather than the bound of the one schedule that ran.
/// dpor_cheapest.cpp says how a preemption is counted and why the result is
/// never below the true fewest.
std::uint32_t cheapest_preemptions(const std::vector<step_event>& ev, const std::vector<vector_clock>& clocks,
                                   std::uint32_t cap);

/// A lower bound on the cheapest_preemptions of every complete execution
/// that begins with the events [0, prefix_end) of one run's `ev` and then
/// ev[next] with clock `next_clock` (whose predecessors are all in the
/// prefix: a task's next step there), capped at cap + 1. The bound that
/// bounded DPOR prunes a branch by (dpor.cpp). A lower bound because a
/// partial execution does not say what its tasks do next: switching away
/// from a task after its last event there, or while it would block, is
/// free. One per run analysed: it keeps the cost of the run's epochs that
/// end before a prefix's last clock firing.
class prefix_bound {
 public:
  prefix_bound(const std::vector<step_event>& ev, const std::vector<vector_clock>& clocks, std::uint32_t cap)
      : ev_(ev), clocks_(clocks), cap_(cap) {}
  std::uint32_t of(std::size_t prefix_end, std::size_t next, const vector_clock& next_clock);

 private:
  struct closed_epoch {
    std::size_t end = 0;                     ///< the index after its clock firing
    std::uint32_t cost = 0;                  ///< of every epoch up to it (> cap_: beyond)
    std::map<std::uint32_t, task_id> held;   ///< mutex holders after it
  };
  std::reference_wrapper<const std::vector<step_event>> ev_;
  std::reference_wrapper<const std::vector<vector_clock>> clocks_;
  std::uint32_t cap_;
  std::vector<closed_epoch> closed_;
};

/// The classes of a search's runs (explore_limits::count_classes).
/// With a bound, also the classes among them that have an execution within
/// it (cheapest_preemptions), whichever execution of theirs ran.
class class_census {
 public:
  static constexpr std::uint32_t unbounded = ~std::uint32_t{0};
  explicit class_census(std::uint32_t bound = unbounded) : bound_(bound) {}

  void add(std::span<const access> whole_run) {
    const std::vector<step_event> ev = split_steps(whole_run);
    const std::vector<vector_clock> clocks = clocks_of(ev);
    const class_key k = class_of(ev, clocks);
    keys_.push_back(k);
    if (bound_ != unbounded && cheapest_preemptions(ev, clocks, bound_) <= bound_) within_.push_back(k);
  }
  /// The number of distinct classes added so far.
  std::uint64_t distinct() { return dedup(keys_); }
  /// The number of those with an execution within the bound (0 without one).
  std::uint64_t distinct_within_bound() { return dedup(within_); }

 private:
  static std::uint64_t dedup(std::vector<class_key>& keys) {
    std::sort(keys.begin(), keys.end());
    keys.erase(std::unique(keys.begin(), keys.end()), keys.end());
    return keys.size();
  }
  std::uint32_t bound_;
  std::vector<class_key> keys_, within_;
};

}  // namespace flushcoord::sim::dpor_detail

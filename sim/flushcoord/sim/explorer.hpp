// flushcoord/sim/explorer.hpp — exhaustive exploration: source-DPOR (the
// default, dpor.hpp), or the preemption-bounded DFS with sleep sets that
// this file describes (por_mode::sleep_sets, kept for comparison).
//
// explore() runs one small deterministic program (a callable that performs
// one simulator run) again and again, depth-first over its choice points:
// each run replays a prefix of decisions, takes one untried alternative at
// the deepest open choice point, then continues with a default (keep the
// current task, else the lowest id). It stops at the first failing run or
// when every schedule within the bound has been covered.
//
// PREEMPTION BOUND (Musuvathi and Qadeer, PLDI 2007): a preemption is a
// choice of another task while the current one is still runnable; schedules
// with more than `preemption_bound` are not explored.
//
// SLEEP SETS (Godefroid, 1996): after the subtree of choice t at a node has
// been explored, t "sleeps" in the siblings explored after it, until a step
// dependent on t's step runs (access.hpp decides dependence from what each
// step touched); a run in which every runnable task sleeps is cut. Sleep sets
// prune only schedules equivalent (same order of dependent steps) to one
// already explored.
//
// A task whose next step is a lock of a mutex another task holds is not a
// choice: running it would only make it wait, as it waits anyway.
//
// Sleep sets and the preemption bound (Coons, Musuvathi, McKinley, "Bounded
// partial-order reduction", OOPSLA 2013): the explored representative of a
// pruned schedule may need more preemptions than the pruned schedule did,
// so with both on, a schedule near the bound can go unexplored although an
// equivalent one within the bound exists. Two modes:
//   bound_sound = false (default): every finished sibling sleeps — the usual
//     combination; coverage is "every schedule whose sleep-set
//     representative is within the bound". Fast: this is what meets the
//     one-minute target of the standard configuration.
//   bound_sound = true: a finished sibling t sleeps only where its
//     representative provably costs no more preemptions than the schedules
//     it stands for — when t is the current task's continuation (those
//     schedules paid a preemption to leave it), or when t's step leaves its
//     task blocked or finished (moving it earlier adds no switch back). Then
//     every schedule within the bound is covered up to equivalence, at
//     several times the cost.
// With no bound (max) every finished sibling sleeps in both modes.
//
// Assumption (stated, not checked): the property checkers judge a run only
// by the order of dependent steps; plain memory shared by workload code
// outside sim mutexes (the fact stream feeding the checkers) is not tracked.
#pragma once

#include <chrono>
#include <cstdint>
#include <functional>
#include <limits>
#include <optional>
#include <vector>

#include "flushcoord/sim/config.hpp"
#include "flushcoord/sim/decision_log.hpp"
#include "flushcoord/sim/simulator.hpp"

namespace flushcoord::sim {

/// Which reduction explore() uses.
enum class por_mode : std::uint8_t {
  dpor,        ///< source-DPOR with sleep sets (dpor.hpp); the bound prunes soundly
  sleep_sets,  ///< the DFS below with sleep sets, pruned by the preemption bound
  none,        ///< the DFS below without reduction, pruned by the preemption bound
};

struct explore_limits {
  std::uint32_t preemption_bound = 2;  ///< max() = unbounded
  por_mode por = por_mode::dpor;       ///< the reduction
  bool bound_sound = false;            ///< sleep_sets only, see above: exact coverage under the bound
  /// dpor only: the bound prunes nothing; every class is explored and, with
  /// count_classes, those within the bound are counted (the floor that the
  /// pruned search must reach, to check it against; dpor.hpp).
  bool bound_counts_only = false;
  std::uint64_t schedules_max = 0;     ///< stop after this many runs; 0 = no limit
  /// Count the distinct equivalence classes (same events, same
  /// happens-before under DPOR's dependence, dpor.hpp) among the complete
  /// runs, into explore_stats::classes. For measuring a reduction: a search
  /// without reduction under a bound B reaches every class that has a run
  /// within B, which is the fewest runs any sound search bounded by B can
  /// make. Costs 16 bytes per run and a second analysis of each run.
  bool count_classes = false;
  /// Called after every complete (not pruned) run, the violating one
  /// included, with the simulator that ran it (its events, if recorded).
  std::function<void(const simulator&, const run_result&)> on_execution{};
};

struct explore_stats {
  std::uint64_t schedules = 0;       ///< complete runs (each a distinct schedule)
  std::uint64_t sleep_blocked = 0;   ///< runs cut because every runnable task slept
  std::uint64_t sleep_skipped = 0;   ///< alternatives never started: asleep
  std::uint64_t bound_skipped = 0;   ///< alternatives never started: over the bound (dpor: races not reversed)
  std::uint64_t steps = 0;           ///< scheduling points over all runs
  std::size_t depth_max = 0;         ///< most decisions in one run
  bool complete = false;             ///< every schedule within the bound covered
  // dpor only:
  std::uint64_t races = 0;           ///< reversible races found in new parts of runs
  std::uint64_t backtracks = 0;      ///< alternatives the races added to source sets
  std::uint64_t races_unplaced = 0;  ///< races whose reversal had no choice point (expected 0)
  std::uint64_t over_bound = 0;      ///< complete runs whose schedule has more preemptions than the bound
  // explore_limits::count_classes only:
  std::uint64_t classes = 0;         ///< distinct equivalence classes among the complete runs
  /// dpor with a bound: those of the classes with an execution within it,
  /// whichever of theirs ran (the fewest runs a sound bounded search makes
  /// is at least this; dpor_races.hpp, cheapest_preemptions).
  std::uint64_t classes_within_bound = 0;
  std::uint64_t pruned() const noexcept { return sleep_blocked + sleep_skipped; }
};

struct explore_result {
  explore_stats stats;
  std::optional<run_result> violation;  ///< the first failing run, if any
  std::vector<decision> decisions;      ///< its schedule (replay_scheduler replays it)
  std::uint32_t preemptions = 0;        ///< preemptions in that schedule
};

/// Runs `one_run` (which must call sim.run exactly once and return its
/// result, deterministically) over every schedule within `limits`
/// (limits.por = dpor: every schedule, up to equivalence; see dpor.hpp).
/// `cfg` is copied; record_accesses is switched on. Throws std::logic_error
/// if a replayed prefix diverges (the program is not deterministic).
explore_result explore(config cfg, const std::function<run_result(simulator&)>& one_run,
                       const explore_limits& limits = {});

}  // namespace flushcoord::sim

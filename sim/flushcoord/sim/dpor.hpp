// flushcoord/sim/dpor.hpp — source-DPOR with sleep sets over the simulator's
// visible operations (explore() with por_mode::dpor, the default).
//
// METHOD (Abdulla, Aronis, Jonsson, Sagonas, "Optimal dynamic partial order
// reduction", POPL 2014, the source-set algorithm with sleep sets; no
// wakeup trees, so some runs end "sleep-set blocked"): stateless search by
// re-execution. Each run replays a prefix of choices, takes a new one at the
// deepest choice point with an unexplored member of its source set, then
// continues with a default (keep the current task, else the lowest id).
// After each run the whole run is analysed (sim/src/dpor_races.cpp):
//   * an EVENT is one step (access.hpp: what a task does between two
//     scheduling points), tagged with the objects it touched: mutex, condvar,
//     task (finish = write, join/done = read), spawn, timer deadline, stop
//     state (a sleep on its token = read, its stop request = write), the
//     runtime's stop of unstarted streams, a dropped stream's spawn return
//     (access.hpp says who reads and writes each), global;
//   * DEPENDENCE: same object and at least one write; `global` (a sleep on a
//     token already stopped when first seen) with everything;
//   * HAPPENS-BEFORE by vector clocks: program order, dependence, and
//     ENABLING (a step that wakes or spawns a task happens before that
//     task's next step; it is not a race, since it cannot be reversed).
//     Disabling is dependence too: a lock disables the other lockers of its
//     mutex, and both steps touch the mutex;
//   * the CLOCK: virtual time advances only when no task can run, as in
//     every run, so a timer firing is a barrier: every event before it
//     happens before it, it before every event after; it never races;
//   * RACES: two dependent events of different tasks, the first not
//     happening before the second otherwise. For a mutex only lock attempts
//     race, taken or blocked (a lock and the previous task's attempt on the
//     same mutex: the reversal lets the later task take it first);
//   * BACKTRACKING by source sets: for a race (e, e'), v = the events after e
//     that do not happen after it, then e'; if none of v's initials (tasks
//     whose first event in v has no predecessor in v) is already in the
//     source set of the choice point before e, one is added (preferring one
//     that is not asleep there);
//   * SLEEP SETS: a task explored from a choice point sleeps in the later
//     siblings until a step dependent on its step runs.
// Only races whose later event is new in this run are analysed: the replayed
// prefix is the same execution as before, its races were handled then.
// OBJECT NAMES: a sleeper's footprint is compared with steps of later runs,
// so the access log names a mutex or condvar by its birth (constructing
// task, and which of its constructions; simulator::log_access), not by the
// run's first-use numbering, which independent first uses can permute.
// CLASSES (explore_limits::count_classes): dpor_races.hpp's class_of names
// a run's happens-before class, so a search can count what it reached. With
// a bound, DPOR also counts the classes that have an execution within it
// (explore_stats::classes_within_bound): the bound of a class is its
// cheapest order (sim/src/dpor_cheapest.cpp), whichever order ran, as
// Marmanis et al. bound an execution graph. That count is the fewest
// executions any search sound for the bound can make.
//
// WHAT IS A CHOICE, WHAT IS NOT (modelled as the simulator runs them):
//   * which runnable task steps next: a choice; a task whose next step is a
//     lock of a mutex another task holds is not (it would only block);
//   * which notify_one waiter wakes: NOT a choice, the simulator wakes the
//     longest waiter (FIFO); the order in which tasks started waiting is
//     explored, which decides who that is;
//   * spurious wake-ups of condvar waits: NOT modelled (a sim condvar never
//     wakes spuriously); code correct only without them is not caught;
//   * which waiter takes a mutex after an unlock: a choice (all are woken
//     and race for it);
//   * timers at one instant fire together, in registration order.
//
// PREEMPTION BOUND (explore_limits::preemption_bound): a branch is left
// out only when no execution that starts with it can be within the bound,
// as Marmanis, Kokologiannakis and Vafeiadis (TACAS 2023) bound an
// execution graph by its cheapest order rather than by the schedule that
// ran. Before a race adds task q to the source set of the choice after a
// prefix E, dpor.cpp bounds from below every execution that begins with E
// then q's next step: the cheapest order of that partial happens-before
// (dpor_races.hpp, prefix_bound), where switching away
// from a task after its last event there, or while it would block, is
// free. Every execution of a class that has such an execution restricts to
// one of those orders at no greater cost, so a class within the bound never
// lies in a branch left out. Source-DPOR's completeness argument (Abdulla
// et al., JACM 2017) follows only prefixes of executions of the class it
// shows reached and the complete runs through them, and those are never
// left out, so it carries over; this is our argument, not a published
// theorem, and the tests check it (docs/model-checking.md, "The bound").
// A left-out q also sleeps below the choice (its branch's executions are
// all beyond the bound). Runs are never cut by the bound, so a branch
// within it goes on past it: explore_stats::over_bound counts the runs
// whose own schedule exceeds the bound, bound_skipped the races whose
// reversal was left out; with count_classes, classes_within_bound says how
// many classes have an execution within it (cheapest_preemptions), the
// floor of every sound bounded search. Two earlier alternatives were
// measured and not kept: Coons et al.'s block-start branching (sound in the
// tests, but more executions than unbounded DPOR here) and source sets with
// bounded sleep sets (fewer, but they lose outcomes): docs/model-checking.md,
// "Bounded DPOR: what was tried".
//
// COMPLETE: every execution of the program is equivalent (same order of
// dependent events) to one that was run, so every reachable final state and
// every property verdict that depends only on that order has been seen.
//
// LIMITS: plain memory shared without a sim primitive (a user's own
// token.stop_requested() instead of rt.stop_requested(token), the checkers'
// fact stream) has no scheduling point and no access record; the checkers
// are assumed to judge only the order of dependent steps.
#pragma once

#include <functional>

#include "flushcoord/sim/explorer.hpp"

namespace flushcoord::sim {

/// explore() with limits.por == por_mode::dpor; limits.preemption_bound
/// leaves out the branches beyond it (above, "PREEMPTION BOUND").
explore_result explore_dpor(config cfg, const std::function<run_result(simulator&)>& one_run,
                            const explore_limits& limits);

}  // namespace flushcoord::sim

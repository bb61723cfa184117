// flushcoord/properties/run_scenario.hpp — one scenario, one simulated run,
// every property checked.
//
// The run's tasks (all fibers of one simulator run; the program is
// workload.hpp, shared with flushcoord::testing's runs of a user's engine):
//   main          builds the coordinator, starts the others, reads the kept
//                 tickets, shuts down, runs the end-of-run checks
//   writer        rotates and submits the scenario's flushes, like the
//                 original's writer (flush lock, commit path, explicit path)
//   drain         one per scenario drain call, at its time
//   shutdown      one per scenario shutdown call, at its time (concurrent)
//   runtime-stop  drops unstarted streams at scenario::runtime_stop_at_ns
//   stream, finalizer   the coordinator's own tasks
//
// A property violation fails the run at once through simulator::fail, so the
// recorded decisions end at the violating step.
#pragma once

#include <optional>
#include <string>

#include "flushcoord/properties/checker_set.hpp"
#include "flushcoord/properties/scenario.hpp"
#include "flushcoord/sim/simulator.hpp"

namespace flushcoord::properties {

struct scenario_outcome {
  sim::run_result run;                  // how the simulator saw the run
  std::optional<violation> violated;    // the first property violation, if any
  std::uint64_t facts = 0;              // facts the checkers saw
  bool ok() const { return run.ok(); }
  /// "property ordered_finalize: ...", "deadlock: ...", or "ok".
  std::string describe() const;
};

/// The violated property's name, or the failure class ("deadlock", ...);
/// "none" for a clean run. Corpus entries and traces record it.
std::string failed_property(const scenario_outcome& out);

/// Runs `sc` on `sim` (whose config carries the seed and budgets and whose
/// strategy picks the schedule). Never throws for a failure of the run.
scenario_outcome run_scenario(const scenario& sc, sim::simulator& sim);

/// The number of coordinator tasks ("stream", "finalizer") not finished.
std::size_t live_coordinator_tasks(const sim::simulator& sim);

}  // namespace flushcoord::properties

// flushcoord/properties/shrink.hpp — schedule and scenario shrinking.
//
// Given a failing run (scenario + decisions), search for a smaller one that
// fails the SAME way (same failure class and, for a property, the same
// property name) and replays exactly:
//   1. delta debugging (Zeller and Hildebrandt, "Simplifying and isolating
//      failure-inducing input", TSE 2002) over the decision list: drop
//      chunks, halving the chunk size;
//   2. truncation: keep a prefix, let the default decide the rest;
//   3. preemption removal: each remaining preemption is replaced by the
//      default choice (keep running the current task);
//   4. scenario shrinking: drop flushes, drains, shutdowns, the runtime
//      stop; turn faults, dropped tickets and the commit path off; remove
//      the writer gap, early close and an unneeded stream timeout.
// Steps repeat until none helps or the run budget is spent. An edited
// decision list rarely fits the run any more; default_replay (sim) then
// takes the deterministic default, and the run's own recorded decisions —
// exact for replay_scheduler — become the new candidate. A candidate is
// kept only if it is smaller: fewer steps, then fewer preemptions, then
// fewer decisions (the scenario steps are kept whenever they reproduce,
// since each makes the scenario strictly simpler).
#pragma once

#include <cstdint>
#include <span>
#include <string>
#include <vector>

#include "flushcoord/properties/run_scenario.hpp"
#include "flushcoord/properties/scenario.hpp"
#include "flushcoord/sim/decision_log.hpp"
#include "flushcoord/sim/failure.hpp"

namespace flushcoord::properties {

/// How a run failed, for "the same failure": the class, and the property
/// named in the message's "[name]" prefix (empty if there is none).
struct failure_signature {
  sim::failure_class what = sim::failure_class::property;
  std::string property;
  friend bool operator==(const failure_signature&, const failure_signature&) = default;
  std::string describe() const;
};

failure_signature signature_of(const sim::failure& f);

/// What runs one scenario: run_scenario (the model engine), or a user's
/// engine through flushcoord::testing.
using scenario_runner = scenario_outcome (*)(const scenario&, sim::simulator&);

struct shrink_options {
  std::size_t runs_max = 5000;  ///< simulator runs the search may spend
  bool scenario = true;         ///< also shrink the scenario
  scenario_runner run = &run_scenario;  ///< the engine the failure is in
};

/// One schedule's size, as shrinking compares them.
struct schedule_size {
  std::uint64_t steps = 0;
  std::size_t preemptions = 0;
  std::size_t decisions = 0;
  std::size_t flushes = 0;
};

struct shrink_result {
  scenario sc;
  std::vector<sim::decision> decisions;  ///< exact: replay_scheduler replays it
  scenario_outcome outcome;              ///< of the exact replay
  failure_signature signature;
  schedule_size before;
  schedule_size after;
  std::size_t runs = 0;                  ///< simulator runs spent
};

/// Requires: replaying `decisions` on `sc` (with config seed `seed`) fails
/// with `target`; otherwise throws std::invalid_argument. The result fails
/// with `target` too and replays exactly (checked before returning; a
/// mismatch throws std::logic_error).
shrink_result shrink(const scenario& sc, std::uint64_t seed, std::span<const sim::decision> decisions,
                     const failure_signature& target, const shrink_options& opts = {});

}  // namespace flushcoord::properties

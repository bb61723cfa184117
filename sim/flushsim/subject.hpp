// sim/flushsim/subject.hpp — which engine flushsim's commands simulate.
//
// flushsim simulates the coordinator around the model engine
// (properties::run_scenario: testing::run over the model engine's setup,
// the path a user's engine takes). flushcoord::testing::main reuses every
// command for a user's own engine: it sets the subject once, before any
// command runs, to the user's run function and the name of the user's
// binary, so that traces, replay, shrink and the printed commands are the
// user's. The subject is process-wide on purpose: it is the tool's
// identity, fixed for the process's lifetime, like the name in argv[0].
// Campaign threads only read it.
#pragma once

#include <string>

#include "flushcoord/properties/run_scenario.hpp"
#include "flushcoord/properties/scenario.hpp"
#include "flushcoord/properties/shrink.hpp"
#include "flushcoord/sim/simulator.hpp"

namespace flushsim {

struct subject {
  /// Runs one scenario on a simulator, every property checked.
  flushcoord::properties::scenario_runner run = &flushcoord::properties::run_scenario;
  /// The command printed in replay and rerun commands; empty: "flushsim".
  std::string tool;
  /// Whether the generator draws faults of finalize and finalize_failure
  /// (generator_options::finalize_faults).
  bool finalize_faults = true;
};

/// The subject: the model engine unless set_subject was called.
const subject& current_subject() noexcept;

/// Call once, before any command runs (not thread-safe against runs).
void set_subject(subject s);

/// current_subject().run(sc, sim).
flushcoord::properties::scenario_outcome run_subject(const flushcoord::properties::scenario& sc,
                                                     flushcoord::sim::simulator& sim);

}  // namespace flushsim

// flushcoord/testing/main.hpp — the flushsim command line in the user's binary.
//
//   int main(int argc, char** argv) { return flushcoord::testing::main<my_setup>(argc, argv); }
//
// gives the binary flushsim's subcommands over the user's engine, with
// flushsim's exit codes (0 clean, 1 failure found / replayed exactly,
// 2 bad usage or input, 3 replay diverged, 4 internal error):
//   my_sim run --seeds A..B [--jobs N] [--shard K/N] [--time-budget S]
//              [--strategy random|pct|portfolio] [--json FILE] [--out DIR]
//              [--check-determinism] [--stop-on-first]
//   my_sim replay FILE        my_sim shrink FILE        my_sim show FILE
//   my_sim corpus DIR|FILE...
// Traces name the binary as argv[0] spelled it in their replay commands.
//   my_sim explore --scenario FILE|--preset NAME [--fault-choices ...]
//        DPOR over every schedule of one small scenario, around your engine
//        (docs/model-checking.md); finalize fault choices only with
//        S::finalize_faults.
#pragma once

#include "flushcoord/properties/shrink.hpp"
#include "flushcoord/testing/run.hpp"
#include "flushcoord/testing/setup.hpp"

namespace flushcoord::testing {

/// The part that does not depend on S (in the flushcoord::testing library).
/// `finalize_faults`: whether the generator may draw finalize faults
/// (S::finalize_faults, setup.hpp).
int main_runner(properties::scenario_runner run, bool finalize_faults, int argc, char** argv);

/// flushsim's command line over setup S's engine. Never throws.
template <setup S>
int main(int argc, char** argv) {
  return main_runner(&run<S>, injects_finalize_faults<S>(), argc, argv);
}

}  // namespace flushcoord::testing

// sim/flushsim/seed_runner.cpp
#include "seed_runner.hpp"

namespace flushsim {

seed_runner::seed_runner() : sim_(flushcoord::sim::config{}, walk_) {}

flushcoord::properties::scenario_outcome seed_runner::run(const flushcoord::properties::scenario& sc,
                                                          std::uint64_t seed) {
  walk_.set_seed(seed);
  return flushcoord::properties::run_scenario(sc, sim_);
}

}  // namespace flushsim

// sim/flushsim/seed_runner.cpp
#include "seed_runner.hpp"

#include "subject.hpp"
#include "exit_codes.hpp"
#include "flushcoord/sim/portfolio.hpp"

namespace flushsim {

namespace fp = flushcoord::properties;
namespace fs = flushcoord::sim;

reseedable_strategy::reseedable_strategy(const std::string& name) : inner_(fs::make_strategy(name)) {
  if (!inner_) throw usage_error("unknown strategy '" + name + "'");
}

fp::scenario scenario_for(const fp::generator_options& generator, const std::string& strategy,
                          std::uint64_t seed) {
  fp::generator_options g = generator;
  g.finalize_faults = generator.finalize_faults && current_subject().finalize_faults;
  if (strategy == "portfolio") g.swarm = generator.swarm && fs::portfolio_slot_for(seed).swarm;
  return fp::generate(seed, g);
}

seed_runner::seed_runner(const std::string& strategy) : strategy_(strategy), sim_(fs::config{}, strategy_) {}

/// PCT's k for a run of `sc`: about as many scheduling points as such a run
/// takes. Measured on the default campaign: 230 points per run for 8.5
/// flushes on average (`flushsim run --seeds 0..99999`: 22,951,029 steps),
/// ~27 per flush; drains and shutdowns add a few each.
std::uint64_t expected_steps_for(const fp::scenario& sc) {
  return 32 + 28 * sc.flushes.size() + 8 * (sc.drains.size() + sc.shutdowns.size());
}

fp::scenario_outcome seed_runner::run(const fp::scenario& sc, std::uint64_t seed) {
  strategy_.set_seed(seed);
  strategy_.expect_steps(expected_steps_for(sc));
  flushcoord::coverage::reset();
  fp::scenario_outcome out = run_subject(sc, sim_);
  marks_ = flushcoord::coverage::this_thread_hits;
  return out;
}

}  // namespace flushsim

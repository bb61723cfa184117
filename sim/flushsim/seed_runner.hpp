// sim/flushsim/seed_runner.hpp — one seed, one run, on a reused simulator.
//
// A campaign thread owns one seed_runner for all its seeds: the simulator,
// its fiber stack pool and its decision buffer are allocated once, so a
// run costs no mmap and (below the reserved capacity) no allocation in the
// scheduler's hot path.
//
// It also collects the run's coverage marks (core/flushcoord/coverage.hpp):
// the whole run happens on this thread, so the thread's hit set, cleared
// before the run and read after it, holds exactly that run's marks.
#pragma once

#include <cstdint>
#include <memory>
#include <string>

#include "flushcoord/coverage.hpp"
#include "flushcoord/properties/run_scenario.hpp"
#include "flushcoord/properties/scenario.hpp"
#include "flushcoord/sim/scheduler.hpp"
#include "flushcoord/sim/simulator.hpp"

namespace flushsim {

/// A named strategy (sim::make_strategy) whose run seed is set before each
/// run instead of being fixed by the simulator's config (which is set at
/// construction), so that one simulator serves many seeds. For seed s it
/// makes exactly the choices of sim::simulator(config{.seed = s}, strategy):
/// both feed s to the strategy's start_run.
class reseedable_strategy final : public flushcoord::sim::scheduler {
 public:
  /// Throws usage_error for an unknown strategy name.
  explicit reseedable_strategy(const std::string& name);
  void set_seed(std::uint64_t seed) noexcept { seed_ = seed; }
  void start_run(const flushcoord::sim::run_start&) override { inner_->start_run({seed_}); }
  std::size_t pick(const flushcoord::sim::pick_request& req) override { return inner_->pick(req); }
  std::string error() const override { return inner_->error(); }
  std::string end_run() override { return inner_->end_run(); }
  std::optional<double> guarantee() const override { return inner_->guarantee(); }
  void expect_steps(std::uint64_t steps) override { inner_->expect_steps(steps); }

 private:
  std::unique_ptr<flushcoord::sim::scheduler> inner_;
  std::uint64_t seed_ = 0;
};

/// The scenario of `seed` in a campaign: the generator's options, except
/// that the portfolio strategy decides per seed whether swarm mode is on.
flushcoord::properties::scenario scenario_for(const flushcoord::properties::generator_options& generator,
                                             const std::string& strategy, std::uint64_t seed);

/// PCT's k for a run of `sc` (a function of the scenario alone).
std::uint64_t expected_steps_for(const flushcoord::properties::scenario& sc);

class seed_runner {
 public:
  explicit seed_runner(const std::string& strategy = "random");
  /// Runs `sc` scheduled by the strategy, seeded with `seed`.
  flushcoord::properties::scenario_outcome run(const flushcoord::properties::scenario& sc, std::uint64_t seed);
  /// The strategy's guarantee for the last run (PCT), if it has one.
  std::optional<double> last_guarantee() const { return strategy_.guarantee(); }
  /// The coverage marks the last run hit.
  const flushcoord::coverage::hit_set& last_marks() const { return marks_; }

 private:
  reseedable_strategy strategy_;
  flushcoord::coverage::hit_set marks_;
  flushcoord::sim::simulator sim_;  // after strategy_: it holds a reference to it
};

}  // namespace flushsim

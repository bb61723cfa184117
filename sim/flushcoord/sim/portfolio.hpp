// flushcoord/sim/portfolio.hpp — strategies by name, and a portfolio that
// alternates them across seeds.
//
// No single strategy dominates: the random walk finds shallow bugs fast,
// PCT with small d finds ordering bugs that need few preemptions, and swarm
// scenarios (Groce et al., ISSTA 2012) vary which faults occur at all. The
// portfolio gives each seed one combination, chosen from the seed alone, so
// a campaign sharded or run with any number of jobs schedules every seed the
// same way, and `replay` needs only the seed to rebuild the choice.
#pragma once

#include <array>
#include <cstdint>
#include <memory>
#include <string_view>

#include "flushcoord/sim/pct.hpp"
#include "flushcoord/sim/random_walk.hpp"
#include "flushcoord/sim/scheduler.hpp"

namespace flushcoord::sim {

/// What the portfolio uses for one run seed: a strategy name (as accepted
/// by make_strategy) and whether the scenario should be drawn in swarm mode.
struct portfolio_slot {
  std::string_view strategy;
  bool swarm = true;
};

/// Seeds cycle through random, pct1, pct2, pct3 (consecutive seeds differ);
/// swarm is on for two rounds of the cycle, then off for one.
portfolio_slot portfolio_slot_for(std::uint64_t run_seed) noexcept;

class portfolio final : public scheduler {
 public:
  explicit portfolio(std::uint64_t expected_steps = pct_options{}.expected_steps);
  void start_run(const run_start& run) override;
  std::size_t pick(const pick_request& req) override { return active_->pick(req); }
  std::string error() const override { return active_->error(); }
  std::string end_run() override { return active_->end_run(); }
  std::optional<double> guarantee() const override { return active_->guarantee(); }
  void expect_steps(std::uint64_t steps) override {
    for (auto& p : pct_) p.expect_steps(steps);
  }
  /// The strategy used by the current (or last) run.
  std::string_view active_name() const noexcept { return active_name_; }

 private:
  random_walk walk_;
  std::array<pct, 3> pct_;
  scheduler* active_ = &walk_;
  std::string_view active_name_ = "random";
};

/// Names: random | pct1 | pct2 | pct3 | pct (= pct2) | portfolio. Returns
/// nullptr for an unknown name. Every strategy derives its choices from the
/// run seed it is given at start_run; `seed` (the campaign's base seed) is
/// accepted for symmetry with the CLI and does not change any choice.
/// `expected_steps` is PCT's k (pct.hpp).
std::unique_ptr<scheduler> make_strategy(std::string_view name, std::uint64_t seed = 0,
                                         std::uint64_t expected_steps = pct_options{}.expected_steps);

/// The names make_strategy accepts, for --help texts.
inline constexpr std::array<std::string_view, 6> strategy_names = {"random", "pct1", "pct2", "pct3",
                                                                   "pct", "portfolio"};

}  // namespace flushcoord::sim

// sim/flushsim/compare.cpp — see compare.hpp.
#include "compare.hpp"

#include <chrono>
#include <optional>
#include <string>

#include <fmt/format.h>

#include "exit_codes.hpp"
#include "flushcoord/properties/mutants.hpp"
#include "flushcoord/properties/run_scenario.hpp"
#include "flushcoord/sim/pct.hpp"
#include "mutant.hpp"
#include "search_commands.hpp"
#include "seed_runner.hpp"

namespace flushsim {

namespace fs = flushcoord::sim;
namespace fp = flushcoord::properties;

namespace {

/// Seeds 0..budget-1 of the standard campaign (generated scenarios) under
/// `strategy`; returns the number of seeds up to the first failure.
std::optional<std::uint64_t> seeds_to_failure(fs::scheduler* strategy, std::uint64_t budget) {
  for (std::uint64_t seed = 0; seed < budget; ++seed) {
    fs::config cfg;
    cfg.seed = seed;
    std::optional<fs::simulator> sim;
    const fp::scenario sc = fp::generate(seed);
    if (strategy != nullptr) {
      strategy->expect_steps(expected_steps_for(sc));  // as a campaign run does
      sim.emplace(cfg, *strategy);
    } else {
      sim.emplace(cfg);
    }
    if (!fp::run_scenario(sc, *sim).ok()) return seed + 1;
  }
  return std::nullopt;
}

std::string cell(const std::optional<std::uint64_t>& n) { return n ? std::to_string(*n) : "—"; }

}  // namespace

void add_compare(CLI::App& app, search_args& a) {
  CLI::App* c = app.add_subcommand("compare", "Seeds/schedules to first failure per mutant, per strategy (Markdown)");
  c->add_option("--seeds", a.compare_seeds, "Seed budget per mutant and sampling strategy")->capture_default_str();
  c->add_option("--explore-max-schedules", a.compare_explore_max, "Schedule budget of explore per mutant (0: all)")
      ->capture_default_str();
}

int compare_main(const search_args& a) {
  fs::pct pct1(fs::pct_options{1}), pct2(fs::pct_options{2}), pct3(fs::pct_options{3});  // k set per run
  fp::explore_options eo;  // the fixed scenario at its defaults
  eo.schedules_max = a.compare_explore_max;
  fmt::print("Seeds to first failure (budget {} seeds; standard generated scenarios) and schedules to first failure "
             "for explore (--flushes {} --max-pending {} --drains {} --shutdowns {} --preemption-bound {} --por dpor).\n\n",
             a.compare_seeds, eo.flushes, eo.max_pending, eo.drains, eo.shutdowns, eo.preemption_bound);
  fmt::print("| mutant | random | pct d=1 | pct d=2 | pct d=3 | explore | explore failure |\n");
  fmt::print("|---|---:|---:|---:|---:|---:|---|\n");
  int missed = 0;
  for (const auto& m : fp::mutants) {
    select_mutant(std::string(m.name));
    const auto r = seeds_to_failure(nullptr, a.compare_seeds);
    const auto p1 = seeds_to_failure(&pct1, a.compare_seeds);
    const auto p2 = seeds_to_failure(&pct2, a.compare_seeds);
    const auto p3 = seeds_to_failure(&pct3, a.compare_seeds);
    const auto t0 = std::chrono::steady_clock::now();
    const fp::exploration e = fp::explore_schedules(eo);
    const double secs = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
    std::string ex, why;
    if (e.failing) {
      ex = std::to_string(e.result.stats.schedules + 1);
      why = e.failing->describe().substr(0, 60);
    } else {
      ex = fmt::format("— ({} {})", e.result.stats.complete ? "all" : "first", e.result.stats.schedules);
      why = e.result.stats.complete ? fmt::format("no violation within the bound ({:.0f}s)", secs)
                                    : fmt::format("none in the schedule budget ({:.0f}s)", secs);
    }
    if (!r && !p1 && !p2 && !p3 && !e.failing) ++missed;
    fmt::print("| {} | {} | {} | {} | {} | {} | {} |\n", m.name, cell(r), cell(p1), cell(p2), cell(p3), ex, why);
    std::fflush(stdout);
  }
  select_mutant(std::nullopt);
  return missed == 0 ? exit_clean : exit_failure_found;
}

}  // namespace flushsim

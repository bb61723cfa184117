// PCT and the portfolio: deterministic by seed, the guarantee as the paper
// states it, strategies by name; liveness mode on the shipped coordinator.
#include <doctest/doctest.h>

#include <cmath>

#include "flushcoord/properties/run_scenario.hpp"
#include "flushcoord/sim/pct.hpp"
#include "flushcoord/sim/portfolio.hpp"

namespace fp = flushcoord::properties;
namespace fs = flushcoord::sim;

namespace {

fs::run_result run_with(fs::scheduler& s, std::uint64_t seed) {
  fs::config cfg;
  cfg.seed = seed;
  fs::simulator sim(cfg, s);
  return fp::run_scenario(fp::generate(seed), sim).run;
}

}  // namespace

TEST_CASE("pct is deterministic by seed and reports its guarantee") {
  for (std::uint32_t d = 1; d <= 3; ++d) {
    fs::pct a(fs::pct_options{d, 500});
    fs::pct b(fs::pct_options{d, 500});
    for (std::uint64_t seed = 0; seed < 20; ++seed) {
      const auto ra = run_with(a, seed);
      const auto rb = run_with(b, seed);
      CHECK(ra.ok());
      CHECK(ra.decision_hash == rb.decision_hash);
      CHECK(ra.event_hash == rb.event_hash);
      const double expect = 1.0 / (static_cast<double>(ra.tasks) * std::pow(static_cast<double>(ra.steps), d - 1.0));
      CHECK(fs::pct::bound(d, ra.tasks, ra.steps) == doctest::Approx(expect));
      REQUIRE(a.guarantee().has_value());
      CHECK(*a.guarantee() > 0.0);
      CHECK(*a.guarantee() <= 1.0);
    }
  }
}

TEST_CASE("pct with depth 1 never preempts a runnable current task") {
  // d = 1 has no change point: the highest-priority task runs whenever it is
  // runnable, so different seeds still give different (priority) orders.
  fs::pct p(fs::pct_options{1, 100});
  const auto r0 = run_with(p, 1);
  const auto r1 = run_with(p, 2);
  CHECK(r0.ok());
  CHECK(r1.ok());
}

TEST_CASE("make_strategy knows every name and the portfolio alternates by seed") {
  for (auto name : fs::strategy_names) CHECK(fs::make_strategy(name, 0) != nullptr);
  CHECK(fs::make_strategy("nope", 0) == nullptr);
  CHECK(fs::portfolio_slot_for(0).strategy == "random");
  CHECK(fs::portfolio_slot_for(1).strategy == "pct1");
  CHECK(fs::portfolio_slot_for(2).strategy == "pct2");
  CHECK(fs::portfolio_slot_for(3).strategy == "pct3");
  CHECK(fs::portfolio_slot_for(4).strategy == "random");
  auto a = fs::make_strategy("portfolio", 0);
  auto b = fs::make_strategy("portfolio", 0);
  for (std::uint64_t seed = 0; seed < 12; ++seed) CHECK(run_with(*a, seed).decision_hash == run_with(*b, seed).decision_hash);
}

namespace {

fp::scenario liveness_scenario(std::int64_t bound_ns) {
  fp::scenario s;
  s.max_pending = 2;
  s.stream_timeout_ns = 1'000'000;
  s.flushes = {{.stream_ns = 1'000'000, .what = fp::fault::stream_hang},
               {.stream_ns = 500'000, .what = fp::fault::none}};
  s.liveness_bound_ns = bound_ns;
  return s;
}

}  // namespace

TEST_CASE("liveness mode: clean runs pass, a hang past the bound is a liveness violation") {
  for (std::uint64_t seed = 0; seed < 30; ++seed) {
    fs::config cfg;
    cfg.seed = seed;
    {
      fs::simulator sim(cfg);
      auto sc = fp::generate(seed);
      sc.liveness_bound_ns = 50'000'000;
      const auto out = fp::run_scenario(sc, sim);
      CHECK_MESSAGE(out.ok(), out.describe());
    }
    {
      fs::simulator sim(cfg);
      const auto out = fp::run_scenario(liveness_scenario(20'000'000), sim);
      CHECK_MESSAGE(out.ok(), out.describe());
    }
    {
      // The hung stream ignores its stop request for 4 ms; shutdown waits
      // for it (the documented contract), so a 1 ms bound is missed.
      fs::simulator sim(cfg);
      const auto out = fp::run_scenario(liveness_scenario(1'000'000), sim);
      REQUIRE(out.run.failed.has_value());
      CHECK(out.run.failed->what == fs::failure_class::liveness);
      CHECK(out.run.failed->message.rfind("[liveness]", 0) == 0);
    }
  }
}

// The standard campaign, small: every property on every run, seeds 0..N.
// The full campaign is scripts/sim (100,000 seeds); this keeps each build
// type (including the sanitizer builds) honest on every ctest run.
#include <doctest/doctest.h>

#include <string>

#include "flushcoord/properties/run_scenario.hpp"

namespace fp = flushcoord::properties;
namespace fs = flushcoord::sim;

TEST_CASE("the standard campaign is clean on seeds 0..1999") {
  std::string first_failure;
  std::size_t failures = 0;
  for (std::uint64_t seed = 0; seed < 2000; ++seed) {
    fs::config cfg;
    cfg.seed = seed;
    fs::simulator sim(cfg);
    const auto out = fp::run_scenario(fp::generate(seed), sim);
    if (!out.ok() && failures++ == 0)
      first_failure = "seed " + std::to_string(seed) + ": " + out.describe() +
                      "\n  replay: flushsim run --seeds " + std::to_string(seed) + ".." + std::to_string(seed);
  }
  INFO(first_failure);
  CHECK(failures == 0);
}

TEST_CASE("a drain that stalls legally leaves the run clean") {
  // max_pending 1, two flushes of 1ms, a drain with a 1ns stall timeout: the
  // drain must fail with drain_stalled, which the drain property allows, and
  // nothing else may be flagged.
  fp::scenario sc;
  sc.max_pending = 1;
  sc.flushes = {{1'000'000, fp::fault::none, false, false}, {1'000'000, fp::fault::none, false, false}};
  sc.drains = {{0, 1}};
  fs::simulator sim(fs::config{});
  const auto out = fp::run_scenario(sc, sim);
  CHECK_MESSAGE(out.ok(), out.describe());
  CHECK(out.facts > 20);
}

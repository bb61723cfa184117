// Bounded DPOR (sim/dpor.hpp, "PREEMPTION BOUND") on programs nobody chose:
// small scenarios drawn by the campaign's generator over the whole API
// (writers, closes, timed and async acquires, tickets, faults, the runtime
// stop). On each, the search pruned by the bound must reach every class
// that DPOR with the bound counted only reaches within it. Both judge a
// class by the same class bound and the second runs every class, so equal
// counts are equal sets: nothing within the bound was lost.
#include <doctest/doctest.h>

#include <cstdio>
#include "bounded_pair.hpp"
#include "flushcoord/properties/explore.hpp"
#include "flushcoord/properties/scenario.hpp"

namespace fp = flushcoord::properties;

TEST_CASE("bounded dpor loses no class within the bound on small generated scenarios") {
  fp::generator_options g;
  g.flushes_max = 2;
  g.max_pending_max = 2;
#if defined(__SANITIZE_ADDRESS__)
  constexpr std::uint64_t seeds = 10, cap = 1'000;
#else
  constexpr std::uint64_t seeds = 40, cap = 2'000;
#endif
  std::uint64_t compared = 0, pruning_bit = 0;
  for (std::uint64_t seed = 0; seed < seeds; ++seed) {
    const fp::scenario sc = fp::generate(seed, g);
    for (const std::uint32_t bound : {1u, 2u}) {
      CAPTURE(seed);
      CAPTURE(bound);
      fp::explore_options o;
      o.given = sc;
      o.schedules_max = cap;  // larger ones are left out: too slow for a unit test
      const auto both = bounded_dpor::explore_pruned_and_counted(o, bound);
      if (!both) continue;
      ++compared;
      CHECK(both->pruned.classes_within_bound == both->all.classes_within_bound);
      CHECK(both->pruned.schedules <= both->all.schedules);
      CHECK(both->pruned.races_unplaced == 0);
      if (both->pruned.schedules < both->all.schedules) ++pruning_bit;
    }
  }
  std::printf("bounded dpor on generated scenarios: %llu comparisons, the bound pruned in %llu\n",
              static_cast<unsigned long long>(compared), static_cast<unsigned long long>(pruning_bit));
  // Otherwise the loop proved nothing: most must fit, and the bound must
  // have pruned in many of them.
  CHECK(compared >= seeds / 2);
  CHECK(pruning_bit * 3 >= compared);
}

// tests/search/bounded_pair.hpp — one scenario explored by DPOR twice under
// a bound: pruned by it, and with it counted only (explore_options::
// bound_counts_only), the reference that reaches every class. The tests of
// bounded DPOR compare the two (dpor_test.cpp, dpor_bound_random_test.cpp).
#pragma once

#include <doctest/doctest.h>

#include <optional>

#include "flushcoord/properties/explore.hpp"

namespace bounded_dpor {

struct bounded_pair {
  flushcoord::sim::explore_stats pruned, all;
};

/// Explores `base` (with count_classes on) under `bound` both ways, the
/// reference first; empty if either stopped at base.schedules_max. A
/// violation fails the test: the coordinator under test is correct.
inline std::optional<bounded_pair> explore_pruned_and_counted(flushcoord::properties::explore_options base,
                                                              std::uint32_t bound) {
  bounded_pair out;
  for (const bool counts_only : {true, false}) {
    base.preemption_bound = bound;
    base.count_classes = true;
    base.bound_counts_only = counts_only;
    const flushcoord::properties::exploration e = flushcoord::properties::explore_schedules(base);
    CHECK_MESSAGE(!e.failing, e.summary());
    if (!e.result.stats.complete) return std::nullopt;
    (counts_only ? out.all : out.pruned) = e.result.stats;
  }
  return out;
}

}  // namespace bounded_dpor

// flushcoord/metrics.hpp — counters and histograms of one coordinator.
//
// Collected under the coordinator's lock when options::collect_metrics is
// set (a few integer updates and, for the durations, one read of the
// runtime's clock per timed event); read with coordinator::metrics(), which
// copies them. metrics_text.hpp writes them in the Prometheus text format.
// Durations are on the runtime's clock: virtual time in the simulator.
#pragma once

#include <array>
#include <cstddef>
#include <cstdint>

#include "flushcoord/error.hpp"
#include "flushcoord/runtime_policy.hpp"

namespace flushcoord {

/// A histogram of durations with fixed, decade-spaced upper bounds, as a
/// Prometheus histogram keeps them: buckets[i] counts the durations
/// <= bounds[i]; the last bucket (+Inf) counts the rest.
struct duration_histogram {
  static constexpr std::array<nanoseconds, 8> bounds{
      nanoseconds(1'000),         nanoseconds(10'000),        nanoseconds(100'000),
      nanoseconds(1'000'000),     nanoseconds(10'000'000),    nanoseconds(100'000'000),
      nanoseconds(1'000'000'000), nanoseconds(10'000'000'000)};

  std::array<std::uint64_t, bounds.size() + 1> buckets{};  // not cumulative
  std::uint64_t count = 0;
  nanoseconds sum{0};

  void add(nanoseconds d) {
    std::size_t i = 0;
    while (i < bounds.size() && d > bounds[i]) ++i;
    ++buckets[i];
    ++count;
    sum += d;
  }
};

/// What coordinator::metrics() returns. Counters only grow.
struct metrics {
  // Gauges, read when the snapshot is taken.
  std::uint64_t flushes_in_flight = 0;  // rotated, not yet finalized (pending_count)
  std::uint64_t permits_available = 0;

  // Counters.
  std::uint64_t flushes_rotated = 0;
  std::uint64_t flushes_finished = 0;  // finalized or resolved, successfully or not
  std::array<std::uint64_t, errc_count> failures_by_code{};  // index: static_cast<size_t>(errc)
  std::uint64_t stream_timeouts = 0;
  std::uint64_t late_results_dropped = 0;
  std::uint64_t permit_stalls = 0;  // acquires that found no permit and waited

  // Durations.
  duration_histogram permit_stall;  // each stall, however it ended
  duration_histogram stream_duration;
  duration_histogram finalize_duration;

  std::uint64_t failures() const {
    std::uint64_t n = 0;
    for (auto f : failures_by_code) n += f;
    return n;
  }
};

}  // namespace flushcoord

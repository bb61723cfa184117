// sim/flushsim/campaign.hpp — many seeds on several threads.
//
// Seeds are independent: seed s draws its scenario (generate(s)) and its
// schedule (random walk of s) and nothing else. Threads take the seeds of
// the shard in increasing order from one atomic counter, each with its own
// seed_runner. Whatever the timing, the result lists failures sorted by
// seed and, with stop_on_first, reports exactly the lowest failing seed:
// a failure at seed index i stops the handing out of indices above i, and
// every index below i was handed out before it, so runs to completion.
// (The totals then include the seeds that were in flight; with one thread
// they are exact.) A time budget stops the handing out; the seeds run are
// then always a prefix of the shard, reported as `completed_through`.
//
// Coverage marks (core/flushcoord/coverage.hpp) are counted per seed: how
// many seeds hit each mark at least once. Each thread counts the seeds it
// ran; the counts are summed after the threads join, so they depend on
// which seeds ran, never on how many threads ran them.
#pragma once

#include <array>
#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "flushcoord/coverage.hpp"
#include "flushcoord/properties/scenario.hpp"
#include "flushcoord/sim/failure.hpp"
#include "seed_range.hpp"

namespace flushsim {

/// PCT's per-run guarantee 1/(n·k^(d−1)) over the runs that have one.
struct guarantee_stats {
  std::uint64_t runs = 0;
  double min = 1.0;
  double sum = 0.0;
  void add(double g) {
    ++runs;
    min = g < min ? g : min;
    sum += g;
  }
  void merge(const guarantee_stats& o) {
    runs += o.runs;
    min = o.min < min ? o.min : min;
    sum += o.sum;
  }
  double mean() const { return runs ? sum / static_cast<double>(runs) : 0.0; }
};

struct campaign_options {
  seed_range seeds{0, 999};
  shard part{};
  unsigned jobs = 1;
  std::optional<double> time_budget_s;
  bool check_determinism = false;
  bool stop_on_first = false;
  bool progress = false;  // a progress line on stderr
  flushcoord::properties::generator_options generator{};
  std::string strategy = "random";  // a sim::make_strategy name
};

struct seed_failure {
  std::uint64_t seed = 0;
  flushcoord::sim::failure failure;
  std::string property;  // the violated property, for property failures
};

struct campaign_result {
  std::uint64_t seeds_planned = 0;  // seeds in the shard
  std::uint64_t seeds_run = 0;
  std::optional<std::uint64_t> completed_through;  // the last seed of the prefix run
  bool budget_exhausted = false;  // the time budget ended the campaign early
  bool stopped_on_failure = false;
  std::uint64_t steps = 0;
  std::uint64_t decisions = 0;
  guarantee_stats guarantees;  // runs scheduled by PCT
  double wall_s = 0;
  std::vector<seed_failure> failures;  // sorted by seed
  std::map<std::string, std::uint64_t> failures_by_class;
  std::map<std::string, std::uint64_t> failures_by_property;
  /// Per coverage mark: the seeds whose run hit it (with check_determinism,
  /// the first of the two runs).
  std::array<std::uint64_t, flushcoord::coverage::mark_count> seeds_per_mark{};
};

/// Runs the campaign. The mutant, if any, must be selected before.
campaign_result run_campaign(const campaign_options& opts);

}  // namespace flushsim

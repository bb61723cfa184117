// sim/flushsim/seed_range.hpp — which seeds a campaign runs.
//
// A campaign covers the inclusive range A..B, optionally cut into N shards
// of which it runs shard K (1-based): the seeds with seed % N == K - 1. The
// shards of a range partition it, so N machines can each run one shard
// with no coordination. The seeds of a shard are numbered 0, 1, 2... in
// increasing order (`at`), which is how the campaign hands them out.
#pragma once

#include <cstdint>
#include <string_view>

namespace flushsim {

struct seed_range {
  std::uint64_t first = 0;
  std::uint64_t last = 0;  // inclusive
};

struct shard {
  std::uint64_t index = 1;  // K, 1-based
  std::uint64_t count = 1;  // N
};

/// Parses "A..B" (decimal, A <= B). Throws usage_error otherwise.
seed_range parse_seed_range(std::string_view text);

/// Parses "K/N" (1 <= K <= N). Throws usage_error otherwise.
shard parse_shard(std::string_view text);

/// The seeds of one shard of a range.
class shard_seeds {
 public:
  shard_seeds(seed_range r, shard s);
  /// How many seeds the shard holds (may be 0).
  std::uint64_t size() const noexcept { return size_; }
  /// The i-th seed of the shard. Requires: i < size().
  std::uint64_t at(std::uint64_t i) const noexcept { return first_ + i * step_; }

 private:
  std::uint64_t first_ = 0;
  std::uint64_t step_ = 1;
  std::uint64_t size_ = 0;
};

}  // namespace flushsim

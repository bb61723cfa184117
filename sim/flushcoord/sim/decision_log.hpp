// flushcoord/sim/decision_log.hpp — the recorded schedule of a run.
//
// A decision is made at a scheduling point where two or more tasks are
// runnable: the scheduler picks `index` among `size` runnable tasks (ordered
// by task id). Points with a single runnable task are not choices and are
// not recorded; they are counted in simulator::steps(). Replaying the same
// decisions with the same workload and seed reproduces the run exactly.
#pragma once

#include <cstddef>
#include <cstdint>
#include <span>
#include <vector>

#include "flushcoord/sim/hash.hpp"

namespace flushcoord::sim {

/// One choice: `index` of `size` runnable tasks. 8 bytes; a trace file stores
/// these as they are (a later version may pack them as varints).
struct decision {
  std::uint32_t index = 0;
  std::uint32_t size = 0;
  friend bool operator==(const decision&, const decision&) = default;
};

/// The decisions of one run plus their running hash.
class decision_log {
 public:
  /// Requires: index < size. Effects: appends, folds into hash(). Does not
  /// allocate while size() < the reserved capacity.
  void record(std::uint32_t index, std::uint32_t size) {
    decisions_.push_back({index, size});
    hash_.add((static_cast<std::uint64_t>(size) << 32) | index);
  }
  void reserve(std::size_t n) { decisions_.reserve(n); }
  /// Forgets the decisions, keeps the capacity (runs reuse the buffer).
  void clear() noexcept {
    decisions_.clear();
    hash_.reset();
  }

  std::span<const decision> decisions() const noexcept { return decisions_; }
  std::size_t size() const noexcept { return decisions_.size(); }
  std::uint64_t hash() const noexcept { return hash_.value(); }

 private:
  std::vector<decision> decisions_;
  fnv1a64 hash_;
};

}  // namespace flushcoord::sim

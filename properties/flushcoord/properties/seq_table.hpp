// flushcoord/properties/seq_table.hpp — per-sequence-number state for the
// checkers, without a tree node per flush.
//
// The coordinator numbers flushes 0, 1, 2, ... densely, so a vector indexed
// by seq replaces a std::map / std::set: no allocation per flush, no tree
// walk, 1..16 bytes per seq instead of a ~48-byte node. A seq at or beyond
// the dense limit (flushes planned plus slack; only a broken coordinator
// sends one, or no_seq) goes to an ordered map instead, so every seq is
// still recorded exactly, and for_each() still visits seqs in ascending
// order (every dense seq is below every sparse one).
//
// T's default value means "nothing recorded": checkers keep presence bits
// in T where a map's "absent" mattered.
#pragma once

#include <cstddef>
#include <cstdint>
#include <map>
#include <vector>

namespace flushcoord::properties {

template <class T>
class seq_table {
 public:
  /// Default limit for checkers built on their own (tests): 64 Ki seqs.
  static constexpr std::uint64_t default_dense_limit = std::uint64_t{1} << 16;

  /// Seqs below dense_limit live in the vector; room for `expected` of them
  /// is reserved up front (growing it entry by entry costs more).
  explicit seq_table(std::uint64_t dense_limit = default_dense_limit, std::uint64_t expected = 0)
      : limit_(dense_limit) {
    dense_.reserve(static_cast<std::size_t>(expected < dense_limit ? expected : dense_limit));
  }

  /// The entry of `seq`, default-constructed first if absent.
  T& operator[](std::uint64_t seq) {
    if (seq < limit_) {
      if (seq >= dense_.size()) dense_.resize(static_cast<std::size_t>(seq) + 1);
      return dense_[static_cast<std::size_t>(seq)];
    }
    return sparse_[seq];
  }

  /// The entry of `seq`, or T{} if none was ever made.
  T get(std::uint64_t seq) const {
    if (seq < limit_) return seq < dense_.size() ? dense_[static_cast<std::size_t>(seq)] : T{};
    const auto it = sparse_.find(seq);
    return it == sparse_.end() ? T{} : it->second;
  }

  /// Visits every entry made so far, in ascending seq: f(seq, const T&).
  template <class F>
  void for_each(F&& f) const {
    for (std::size_t i = 0; i < dense_.size(); ++i) f(std::uint64_t{i}, dense_[i]);
    for (const auto& [seq, v] : sparse_) f(seq, v);
  }

  /// The smallest seq >= from whose entry satisfies pred, or `none`.
  template <class P>
  std::uint64_t find_first(std::uint64_t from, P&& pred, std::uint64_t none) const {
    for (std::size_t i = from < dense_.size() ? static_cast<std::size_t>(from) : dense_.size();
         i < dense_.size(); ++i)
      if (pred(dense_[i])) return i;
    for (auto it = sparse_.lower_bound(from); it != sparse_.end(); ++it)
      if (pred(it->second)) return it->first;
    return none;
  }

 private:
  std::uint64_t limit_;
  std::vector<T> dense_;
  std::map<std::uint64_t, T> sparse_;
};

/// The dense limit for a run: every seq a correct coordinator can hand out
/// (one per planned flush), with slack.
inline std::uint64_t seq_limit(std::size_t flushes_planned) {
  return std::uint64_t{flushes_planned} + 1024;
}

}  // namespace flushcoord::properties

// flushcoord/sim/hash.hpp — the running 64-bit hash of a run.
#pragma once

#include <cstdint>

namespace flushcoord::sim {

/// FNV-1a, 64 bit, fed whole little-endian words. Order-sensitive, cheap and
/// defined by its constants alone, so two machines agree on every value.
class fnv1a64 {
 public:
  static constexpr std::uint64_t offset_basis = 0xcbf29ce484222325ULL;
  static constexpr std::uint64_t prime = 0x100000001b3ULL;

  constexpr void add(std::uint64_t word) noexcept {
    for (int i = 0; i < 8; ++i) {
      h_ ^= (word >> (8 * i)) & 0xff;
      h_ *= prime;
    }
  }
  constexpr std::uint64_t value() const noexcept { return h_; }
  constexpr void reset() noexcept { h_ = offset_basis; }

 private:
  std::uint64_t h_ = offset_basis;
};

}  // namespace flushcoord::sim

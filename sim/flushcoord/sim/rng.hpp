// flushcoord/sim/rng.hpp — portable seeded randomness.
//
// The standard library's engines are portable but its distributions are not
// (libstdc++ and libc++ draw differently), so the simulator never uses
// <random>. xoshiro256** seeded through splitmix64, with Lemire's bounded
// draw, gives the same numbers on every platform and build type.
#pragma once

#include <cstdint>

namespace flushcoord::sim {

/// splitmix64 step: a good 64-bit mixer, used for seeding and deriving.
constexpr std::uint64_t splitmix64(std::uint64_t& state) noexcept {
  std::uint64_t z = (state += 0x9e3779b97f4a7c15ULL);
  z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
  z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
  return z ^ (z >> 31);
}

/// An independent seed for stream `stream` of a run seeded `seed`. Separate
/// streams (scheduling, workload, faults) keep one stream's extra draws from
/// reshuffling the others.
constexpr std::uint64_t derive_seed(std::uint64_t seed, std::uint64_t stream) noexcept {
  std::uint64_t s = seed ^ (stream * 0xd1b54a32d192ed03ULL);
  splitmix64(s);
  return splitmix64(s);
}

/// Well-known stream numbers for derive_seed.
enum rng_stream : std::uint64_t {
  stream_schedule = 1,
  stream_workload = 2,
  stream_faults = 3,
  stream_workload_api = 4,  // the whole-API part of a scenario (properties/scenario.cpp)
  stream_workload_engine = 5,  // engine errors in a scenario (properties/scenario.cpp)
  stream_workload_async = 6,  // the async-API part of a scenario (properties/scenario.cpp)
};

/// xoshiro256** (Blackman and Vigna, 2018).
class rng {
 public:
  constexpr explicit rng(std::uint64_t seed = 0) noexcept { reseed(seed); }

  constexpr void reseed(std::uint64_t seed) noexcept {
    for (auto& word : s_) word = splitmix64(seed);
  }

  constexpr std::uint64_t next() noexcept {
    const std::uint64_t result = rotl(s_[1] * 5, 7) * 9;
    const std::uint64_t t = s_[1] << 17;
    s_[2] ^= s_[0];
    s_[3] ^= s_[1];
    s_[1] ^= s_[2];
    s_[0] ^= s_[3];
    s_[2] ^= t;
    s_[3] = rotl(s_[3], 45);
    return result;
  }

  /// Uniform in [0, bound). Requires bound > 0. Lemire's multiply-and-reject
  /// method: unbiased, usually one draw, identical on every platform.
  constexpr std::uint64_t below(std::uint64_t bound) noexcept {
    wide m = multiply(next(), bound);
    if (m.low < bound) {
      const std::uint64_t threshold = (0 - bound) % bound;
      while (m.low < threshold) m = multiply(next(), bound);
    }
    return m.high;
  }

  /// True with probability numerator/denominator. Requires denominator > 0.
  constexpr bool chance(std::uint64_t numerator, std::uint64_t denominator) noexcept {
    return below(denominator) < numerator;
  }

 private:
  struct wide {
    std::uint64_t high;
    std::uint64_t low;
  };
  /// Full 64x64 -> 128-bit product from 32-bit halves (no __int128: ISO C++).
  static constexpr wide multiply(std::uint64_t a, std::uint64_t b) noexcept {
    const std::uint64_t a_lo = a & 0xffffffffu, a_hi = a >> 32;
    const std::uint64_t b_lo = b & 0xffffffffu, b_hi = b >> 32;
    const std::uint64_t lo_lo = a_lo * b_lo;
    const std::uint64_t hi_lo = a_hi * b_lo;
    const std::uint64_t lo_hi = a_lo * b_hi;
    const std::uint64_t cross = (lo_lo >> 32) + (hi_lo & 0xffffffffu) + lo_hi;
    return wide{a_hi * b_hi + (hi_lo >> 32) + (cross >> 32), (cross << 32) | (lo_lo & 0xffffffffu)};
  }
  static constexpr std::uint64_t rotl(std::uint64_t x, int k) noexcept {
    return (x << k) | (x >> (64 - k));
  }
  std::uint64_t s_[4]{};
};

}  // namespace flushcoord::sim

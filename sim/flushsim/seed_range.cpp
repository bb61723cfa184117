// sim/flushsim/seed_range.cpp
#include "seed_range.hpp"

#include <charconv>
#include <string>

#include "exit_codes.hpp"

namespace flushsim {

namespace {

std::uint64_t parse_u64(std::string_view s, std::string_view what, std::string_view whole) {
  std::uint64_t v = 0;
  const auto [p, ec] = std::from_chars(s.data(), s.data() + s.size(), v);
  if (s.empty() || ec != std::errc{} || p != s.data() + s.size())
    throw usage_error("bad " + std::string(what) + " '" + std::string(whole) + "'");
  return v;
}

}  // namespace

seed_range parse_seed_range(std::string_view text) {
  const std::size_t dots = text.find("..");
  if (dots == std::string_view::npos)
    throw usage_error("bad seed range '" + std::string(text) + "': expected A..B, e.g. 0..9999");
  const seed_range r{parse_u64(text.substr(0, dots), "seed range", text),
                     parse_u64(text.substr(dots + 2), "seed range", text)};
  if (r.first > r.last)
    throw usage_error("bad seed range '" + std::string(text) + "': the first seed is above the last");
  return r;
}

shard parse_shard(std::string_view text) {
  const std::size_t slash = text.find('/');
  if (slash == std::string_view::npos)
    throw usage_error("bad shard '" + std::string(text) + "': expected K/N, e.g. 3/8");
  const shard s{parse_u64(text.substr(0, slash), "shard", text), parse_u64(text.substr(slash + 1), "shard", text)};
  if (s.count == 0 || s.index == 0 || s.index > s.count)
    throw usage_error("bad shard '" + std::string(text) + "': needs 1 <= K <= N");
  return s;
}

shard_seeds::shard_seeds(seed_range r, shard s) : step_(s.count) {
  // The first seed >= r.first with seed % N == K - 1, if any.
  const std::uint64_t want = s.index - 1;
  const std::uint64_t have = r.first % s.count;
  const std::uint64_t skip = (want + s.count - have) % s.count;
  if (skip > r.last - r.first) return;  // size_ stays 0
  first_ = r.first + skip;
  // Saturates for the one range that holds 2^64 seeds (0..max, one shard):
  // no campaign gets that far, and the count must not wrap to 0.
  const std::uint64_t rest = (r.last - first_) / s.count;
  size_ = rest == UINT64_MAX ? rest : rest + 1;
}

}  // namespace flushsim

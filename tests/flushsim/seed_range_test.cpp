// Seed ranges and shards: parsing, and shards partitioning a range.
#include <doctest/doctest.h>

#include <cstdint>
#include <limits>
#include <set>

#include "exit_codes.hpp"
#include "seed_range.hpp"

using flushsim::parse_seed_range;
using flushsim::parse_shard;
using flushsim::shard_seeds;

TEST_CASE("seed ranges parse A..B and refuse everything else") {
  const auto r = parse_seed_range("3..17");
  CHECK(r.first == 3);
  CHECK(r.last == 17);
  CHECK(parse_seed_range("5..5").first == 5);
  CHECK(parse_seed_range("0..18446744073709551615").last == std::numeric_limits<std::uint64_t>::max());
  for (const char* bad : {"", "5", "5..", "..5", "a..b", "5..1", "-1..3", "1...3", "1..2x", " 1..2",
                          "0..18446744073709551616"}) {
    CAPTURE(bad);
    CHECK_THROWS_AS(parse_seed_range(bad), flushsim::usage_error);
  }
}

TEST_CASE("shards parse K/N with 1 <= K <= N") {
  CHECK(parse_shard("2/8").index == 2);
  CHECK(parse_shard("8/8").count == 8);
  for (const char* bad : {"", "0/3", "4/3", "1/0", "1", "/3", "a/b", "1/3/5"}) {
    CAPTURE(bad);
    CHECK_THROWS_AS(parse_shard(bad), flushsim::usage_error);
  }
}

TEST_CASE("the shards of a range partition it") {
  for (std::uint64_t first : {0u, 1u, 7u}) {
    for (std::uint64_t last : {first, first + 1, first + 40}) {
      for (std::uint64_t n = 1; n <= 6; ++n) {
        std::multiset<std::uint64_t> seen;
        for (std::uint64_t k = 1; k <= n; ++k) {
          const shard_seeds s({first, last}, {k, n});
          for (std::uint64_t i = 0; i < s.size(); ++i) {
            CHECK(s.at(i) % n == k - 1);
            if (i > 0) CHECK(s.at(i) > s.at(i - 1));
            seen.insert(s.at(i));
          }
        }
        CHECK(seen.size() == last - first + 1);
        CHECK(std::set<std::uint64_t>(seen.begin(), seen.end()).size() == seen.size());
        CHECK(*seen.begin() == first);
        CHECK(*seen.rbegin() == last);
      }
    }
  }
}

TEST_CASE("shards at the top of the seed space do not overflow") {
  constexpr auto max = std::numeric_limits<std::uint64_t>::max();
  const shard_seeds top({max - 2, max}, {1, 2});
  REQUIRE(top.size() == 1);  // max - 1 is the only even one... of max-2, max-1, max
  CHECK(top.at(0) == max - 1);
  CHECK(shard_seeds({0, max}, {1, 1}).size() == max);  // saturates, never 0
  CHECK(shard_seeds({5, 5}, {1, 2}).size() == 0);
}

// A campaign's result does not depend on how many threads ran it.
#include <doctest/doctest.h>

#include "campaign.hpp"
#include "mutant.hpp"

namespace {

struct campaign_mutant_scope {
  explicit campaign_mutant_scope(const char* name) { flushsim::select_mutant(std::string(name)); }
  ~campaign_mutant_scope() { flushsim::select_mutant(std::nullopt); }
};

flushsim::campaign_result campaign(unsigned jobs, bool stop_on_first, flushsim::shard part = {}) {
  flushsim::campaign_options o;
  o.seeds = {0, 299};
  o.part = part;
  o.jobs = jobs;
  o.stop_on_first = stop_on_first;
  return flushsim::run_campaign(o);
}

}  // namespace

TEST_CASE("failures, counts and totals are the same on one thread and on four") {
  const campaign_mutant_scope on("drain_measures_total_time");
  const auto one = campaign(1, false);
  const auto four = campaign(4, false);
  REQUIRE(!one.failures.empty());
  REQUIRE(one.failures.size() == four.failures.size());
  for (std::size_t i = 0; i < one.failures.size(); ++i) {
    CHECK(one.failures[i].seed == four.failures[i].seed);
    CHECK(one.failures[i].failure.message == four.failures[i].failure.message);
    if (i > 0) CHECK(one.failures[i - 1].seed < one.failures[i].seed);
  }
  CHECK(one.steps == four.steps);
  CHECK(one.decisions == four.decisions);
  CHECK(one.seeds_run == 300);
  CHECK(four.completed_through == 299);
}

TEST_CASE("stop-on-first reports the lowest failing seed whatever the thread count") {
  const campaign_mutant_scope on("drain_measures_total_time");
  const auto all = campaign(1, false);
  REQUIRE(!all.failures.empty());
  for (unsigned jobs : {1u, 2u, 4u}) {
    const auto first = campaign(jobs, true);
    REQUIRE(first.failures.size() == 1);
    CHECK(first.failures[0].seed == all.failures[0].seed);
    CHECK(first.stopped_on_failure);
    CHECK(first.seeds_run >= all.failures[0].seed + 1);
  }
}

TEST_CASE("shards split the failures of a campaign without overlap") {
  const campaign_mutant_scope on("drain_measures_total_time");
  const auto all = campaign(2, false);
  std::size_t total = 0;
  for (std::uint64_t k = 1; k <= 3; ++k) {
    const auto part = campaign(2, false, {k, 3});
    CHECK(part.seeds_run == 100);
    for (const auto& f : part.failures) CHECK(f.seed % 3 == k - 1);
    total += part.failures.size();
  }
  CHECK(total == all.failures.size());
}

TEST_CASE("a time budget stops after a prefix of the range") {
  flushsim::campaign_options o;
  o.seeds = {0, 100'000'000};
  o.jobs = 2;
  o.time_budget_s = 0.2;
  const auto r = flushsim::run_campaign(o);
  CHECK(r.budget_exhausted);
  CHECK(r.seeds_run > 0);
  CHECK(r.seeds_run < r.seeds_planned);
  REQUIRE(r.completed_through);
  CHECK(*r.completed_through == r.seeds_run - 1);
}

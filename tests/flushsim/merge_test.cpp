// flushsim merge: the summaries of a sharded campaign add up to the
// campaign, and gaps, overlaps, early stops and foreign shards are named.
#include <doctest/doctest.h>

#include <string>
#include <vector>

#include "campaign.hpp"
#include "exit_codes.hpp"
#include "merge.hpp"
#include "mutant.hpp"
#include "summary.hpp"

using nlohmann::json;

namespace {

struct merge_mutant_scope {
  explicit merge_mutant_scope(const char* name) { flushsim::select_mutant(std::string(name)); }
  ~merge_mutant_scope() { flushsim::select_mutant(std::nullopt); }
};

/// The --json summary of shard k/n of seeds 0..299.
json shard_summary(std::uint64_t k, std::uint64_t n, const std::optional<std::string>& mutant, bool stop_on_first = false) {
  flushsim::campaign_options o;
  o.seeds = {0, 299};
  o.part = {k, n};
  o.stop_on_first = stop_on_first;
  const auto result = flushsim::run_campaign(o);
  flushsim::campaign_report r{o, result, {}, mutant, false};
  for (const auto& f : result.failures) r.failures.push_back({f, std::nullopt});
  return flushsim::summary_json(r);
}

std::vector<std::uint64_t> failing_seeds(const json& summary) {
  std::vector<std::uint64_t> seeds;
  for (const auto& f : summary["failures"]) seeds.push_back(f["seed"]);
  return seeds;
}

std::string merge_error_of(const std::vector<std::pair<std::string, json>>& in) {
  try {
    flushsim::merge_summaries(in);
  } catch (const flushsim::usage_error& e) {
    return e.what();
  }
  return "(no error)";
}

}  // namespace

TEST_CASE("all shards merged are the whole campaign: same failures, same seeds, same work") {
  const merge_mutant_scope on("drain_measures_total_time");
  const json whole = shard_summary(1, 1, "drain_measures_total_time");
  std::vector<std::pair<std::string, json>> in;
  for (std::uint64_t k = 1; k <= 3; ++k) in.emplace_back("s" + std::to_string(k), shard_summary(k, 3, "drain_measures_total_time"));
  const auto m = flushsim::merge_summaries(in);
  REQUIRE(!whole["failures"].empty());
  CHECK(failing_seeds(m.summary) == failing_seeds(whole));
  CHECK(m.summary["failures_by_property"] == whole["failures_by_property"]);
  CHECK(m.summary["seeds"]["run"] == 300);
  CHECK(m.summary["steps"] == whole["steps"]);
  CHECK(m.summary["decisions"] == whole["decisions"]);
  CHECK(m.summary["merge"]["complete"] == true);
  CHECK(m.status == flushsim::exit_failure_found);
}

TEST_CASE("a failure, a gap and an overlap are all reported") {
  const merge_mutant_scope on("drain_measures_total_time");
  const json s1 = shard_summary(1, 4, "drain_measures_total_time");
  const json s2 = shard_summary(2, 4, "drain_measures_total_time");
  const json s4 = shard_summary(4, 4, "drain_measures_total_time");
  const auto m = flushsim::merge_summaries({{"a.json", s1}, {"b.json", s2}, {"c.json", s2}, {"d.json", s4}});
  const json& facts = m.summary["merge"];
  CHECK(facts["missing"] == json::array({3}));
  REQUIRE(facts["overlapping"].size() == 1);
  CHECK(facts["overlapping"][0]["shard"] == 2);
  CHECK(facts["overlapping"][0]["files"] == json::array({"b.json", "c.json"}));
  CHECK(facts["complete"] == false);
  // The overlap is counted once.
  CHECK(m.summary["seeds"]["run"] == s1["seeds"]["run"].get<int>() + s2["seeds"]["run"].get<int>() +
                                         s4["seeds"]["run"].get<int>());
  CHECK(m.summary["failure_count"] ==
        s1["failure_count"].get<int>() + s2["failure_count"].get<int>() + s4["failure_count"].get<int>());
  REQUIRE(m.summary["failure_count"] > 0);
  CHECK(m.status == flushsim::exit_failure_found);
  CHECK(m.report.find("missing shards: 3/4") != std::string::npos);
  CHECK(m.report.find("overlapping: shard 2/4 is in b.json, c.json") != std::string::npos);
  CHECK(m.report.find("incomplete") != std::string::npos);
}

TEST_CASE("clean shards: complete is 0, a gap or an early stop is 2") {
  std::vector<std::pair<std::string, json>> in;
  for (std::uint64_t k = 1; k <= 2; ++k) in.emplace_back("s" + std::to_string(k), shard_summary(k, 2, std::nullopt));
  CHECK(flushsim::merge_summaries(in).status == flushsim::exit_clean);
  CHECK(flushsim::merge_summaries({in[0]}).status == flushsim::exit_bad_input);
  json early = in[1].second;
  early["seeds"]["run"] = 10;
  early["completed_through"] = 19;
  const auto m = flushsim::merge_summaries({in[0], {"early.json", early}});
  CHECK(m.status == flushsim::exit_bad_input);
  CHECK(m.report.find("stopped early: shard 2/2 ran 10 of 150 seeds (through seed 19)") != std::string::npos);
}

TEST_CASE("summaries of different campaigns or damaged ones are bad input, named by file") {
  const json a = shard_summary(1, 2, std::nullopt);
  json other = a;
  other["mutant"] = "close_blocks";
  CHECK(merge_error_of({{"a.json", a}, {"b.json", other}}).find("a.json and b.json are not shards of one campaign: mutant") == 0);
  other = a;
  other["seeds"]["last"] = 999;
  other["seeds"]["planned"] = 500;
  CHECK(merge_error_of({{"a.json", a}, {"b.json", other}}).find("not shards of one campaign: seeds 0..299 versus 0..999") !=
        std::string::npos);
  other = a;
  other["seeds"]["shard"] = "3/2";
  CHECK(merge_error_of({{"b.json", other}}).find("b.json: seeds.shard:") == 0);
  other = a;
  other["seeds"]["planned"] = 7;
  CHECK(merge_error_of({{"b.json", other}}).find("b.json: shard 1/2 of 0..299 holds 150 seeds") == 0);
  other = a;
  other.erase("steps");
  CHECK(merge_error_of({{"b.json", other}}) == "b.json: the summary has no 'steps'");
  other = a;
  other["steps"] = "many";
  CHECK(merge_error_of({{"b.json", other}}).find("b.json: 'steps' has the wrong type") == 0);
  CHECK(merge_error_of({{"b.json", json::array()}}).find("b.json: not a flushsim summary") == 0);
  CHECK(merge_error_of({}) == "merge needs at least one summary");
}

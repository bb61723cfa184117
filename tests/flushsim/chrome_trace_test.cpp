// The Chrome Trace Event export follows the Trace Event Format and shows
// the coordinator: per-task tracks with properly nested slices for stream
// runs and finalizes, numeric counters, flow arrows, and the failure.
#include <doctest/doctest.h>

#include <algorithm>
#include <cmath>
#include <map>
#include <set>
#include <string>
#include <vector>

#include "chrome_trace.hpp"
#include "failure_trace.hpp"
#include "flushcoord/properties/scenario.hpp"
#include "mutant.hpp"
#include "seed_runner.hpp"

namespace fp = flushcoord::properties;
using nlohmann::json;

namespace {

/// Checks the Trace Event Format rules the exporter relies on and returns
/// the names of its slices. Every event has a known phase and numeric
/// pid/ts; X has a non-negative numeric dur, and the X slices of one track
/// nest (none overlaps another partially); C args are all numbers; every
/// flow_out has its flow_in.
std::multiset<std::string> check_format(const json& j) {
  REQUIRE(j.is_object());
  REQUIRE(j.contains("traceEvents"));
  REQUIRE(j["traceEvents"].is_array());
  // track -> [ts, end] in ns: ts and dur are microseconds with a fraction,
  // which Perfetto rounds to whole nanoseconds as well.
  std::map<std::pair<int, std::uint64_t>, std::vector<std::pair<long long, long long>>> slices;
  std::multiset<std::string> names;
  std::set<std::uint64_t> flows_out, flows_in;
  for (const json& e : j["traceEvents"]) {
    const std::string ph = e.at("ph");
    CAPTURE(e.dump());
    REQUIRE((ph == "X" || ph == "i" || ph == "C" || ph == "M"));
    REQUIRE(e.at("name").is_string());
    REQUIRE(e.at("pid").is_number_integer());
    if (ph == "M") continue;
    REQUIRE(e.at("ts").is_number());
    CHECK(e["ts"].get<double>() >= 0.0);
    if (ph == "i") CHECK((e.at("s") == "t" || e.at("s") == "g"));
    if (ph == "C") {
      REQUIRE(e.at("args").is_object());
      CHECK(!e["args"].empty());
      for (const auto& [k, v] : e["args"].items()) CHECK(v.is_number());
    }
    if (ph != "X") continue;
    REQUIRE(e.at("dur").is_number());
    CHECK(e["dur"].get<double>() >= 0.0);
    const long long ts = std::llround(e["ts"].get<double>() * 1000);
    const long long end = ts + std::llround(e["dur"].get<double>() * 1000);
    slices[{e["pid"].get<int>(), e.at("tid").get<std::uint64_t>()}].emplace_back(ts, end);
    names.insert(e["name"].get<std::string>());
    if (e.contains("bind_id")) (e.value("flow_out", false) ? flows_out : flows_in).insert(e["bind_id"].get<std::uint64_t>());
  }
  for (auto& [track, v] : slices) {
    // Outer slices first at equal start; then each slice must fit in the
    // innermost open one that has not ended before it starts.
    std::sort(v.begin(), v.end(), [](auto a, auto b) { return a.first != b.first ? a.first < b.first : a.second > b.second; });
    std::vector<long long> open_ends;
    for (const auto& [ts, end] : v) {
      while (!open_ends.empty() && open_ends.back() <= ts && !(open_ends.back() == ts && end == ts)) open_ends.pop_back();
      if (!open_ends.empty()) CHECK_MESSAGE(end <= open_ends.back(), "slice [", ts, ", ", end, "] overlaps its parent on pid ",
                                            track.first, " tid ", track.second);
      open_ends.push_back(end);
    }
  }
  for (auto id : flows_out) CHECK_MESSAGE(flows_in.count(id) == 1, "flow ", id, " has no end");
  return names;
}

bool has_prefix_suffix(const std::multiset<std::string>& names, const std::string& suffix) {
  return std::any_of(names.begin(), names.end(), [&](const std::string& n) {
    return n.size() >= suffix.size() && n.compare(n.size() - suffix.size(), suffix.size(), suffix) == 0;
  });
}

std::size_t count_phase(const json& j, const std::string& ph, const std::string& name = "") {
  return static_cast<std::size_t>(std::count_if(j["traceEvents"].begin(), j["traceEvents"].end(), [&](const json& e) {
    return e["ph"] == ph && (name.empty() || e["name"] == name);
  }));
}

}  // namespace

TEST_CASE("a clean run's export is valid, with a named track per task, slices and counters") {
  fp::scenario_outcome out;
  const auto t = flushsim::record_trace(fp::generate(11), 11, {}, out);
  REQUIRE(!t.failed);
  const json j = flushsim::chrome_trace(t);
  const auto names = check_format(j);
  std::set<std::uint64_t> named;
  for (const auto& e : j["traceEvents"])
    if (e["ph"] == "M" && e["name"] == "thread_name" && e["pid"] == 1) named.insert(e["tid"].get<std::uint64_t>());
  CHECK(named.size() == out.run.tasks);
  CHECK(has_prefix_suffix(names, " stream"));
  CHECK(has_prefix_suffix(names, " finalize"));
  CHECK(names.count("held by writer#2") > 0);
  CHECK(count_phase(j, "C", "flushes") > 2);
  CHECK(count_phase(j, "C", "permits") > 2);
  CHECK(count_phase(j, "i") > 0);
}

TEST_CASE("a failing run's export marks the failure and links streams to their finalizes") {
  flushsim::select_mutant(std::string("drain_checks_before_waiting"));
  flushsim::seed_runner runner;
  std::optional<flushcoord::sim::trace> t;
  for (std::uint64_t seed = 0; seed < 500 && !t; ++seed) {
    const fp::scenario sc = fp::generate(seed);
    if (runner.run(sc, seed).ok()) continue;
    fp::scenario_outcome out;
    t = flushsim::record_trace(sc, seed, {}, out);
  }
  flushsim::select_mutant(std::nullopt);
  REQUIRE(t);
  REQUIRE(t->failed);
  const json j = flushsim::chrome_trace(*t);
  const auto names = check_format(j);
  CHECK(names.count("drain") > 0);
  std::size_t failures = 0, flows_out = 0;
  for (const auto& e : j["traceEvents"]) {
    if (e["ph"] == "i" && e["s"] == "g" && e["name"].get<std::string>().rfind("FAILURE property: [drain]", 0) == 0) ++failures;
    if (e.value("flow_out", false)) ++flows_out;
  }
  CHECK(failures == 1);
  CHECK(flows_out > 0);
}

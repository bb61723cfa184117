// The Chrome Trace Event export: well-formed, one named track per task.
#include <doctest/doctest.h>

#include <set>

#include "chrome_trace.hpp"
#include "failure_trace.hpp"
#include "flushcoord/properties/scenario.hpp"

namespace fp = flushcoord::properties;

TEST_CASE("every task gets a named track and slices have non-negative durations") {
  fp::scenario_outcome out;
  const auto t = flushsim::record_trace(fp::generate(11), 11, {}, out);
  const auto j = flushsim::chrome_trace(t);
  REQUIRE(j.contains("traceEvents"));
  std::set<std::uint64_t> named, used;
  for (const auto& e : j["traceEvents"]) {
    const std::string ph = e["ph"];
    CHECK((ph == "X" || ph == "i" || ph == "M"));
    if (ph == "M" && e["name"] == "thread_name") named.insert(e["tid"].get<std::uint64_t>());
    if (ph == "X") {
      CHECK(e["dur"].get<double>() >= 0.0);
      used.insert(e["tid"].get<std::uint64_t>());
    }
    if (ph != "M") CHECK(e["ts"].get<double>() >= 0.0);
  }
  CHECK(named.size() == out.run.tasks);
  for (auto tid : used) CHECK(named.count(tid) == 1);
}

// Replay reproduces a failing mutant's run exactly, and notices a trace
// that does not match this build.
#include <doctest/doctest.h>

#include "exit_codes.hpp"
#include "failure_trace.hpp"
#include "flushcoord/properties/scenario.hpp"
#include "mutant.hpp"
#include "replay.hpp"
#include "seed_runner.hpp"

namespace fs = flushcoord::sim;
namespace fp = flushcoord::properties;

namespace {

/// Switches a mutant on for one test and off again, whatever happens.
struct mutant_scope {
  explicit mutant_scope(const char* name) { flushsim::select_mutant(std::string(name)); }
  ~mutant_scope() { flushsim::select_mutant(std::nullopt); }
};

/// The trace of the lowest seed in [0, 500) that fails under the active
/// mutant.
fs::trace first_failing_trace() {
  flushsim::seed_runner runner;
  for (std::uint64_t seed = 0; seed < 500; ++seed) {
    const fp::scenario sc = fp::generate(seed);
    if (runner.run(sc, seed).ok()) continue;
    fp::scenario_outcome out;
    return flushsim::record_trace(sc, seed, flushsim::trace_origin{"x", ""}, out);
  }
  FAIL("no failing seed below 500");
  return {};
}

}  // namespace

TEST_CASE("the trace of a failing mutant replays exactly, through the file too") {
  for (const char* name : {"finalize_in_arrival_order", "ticket_dropped_on_failure", "timeout_not_enforced"}) {
    CAPTURE(name);
    const mutant_scope on(name);
    fs::trace t = first_failing_trace();
    t.mutant = name;
    REQUIRE(t.failed);
    const auto r = flushsim::replay_trace(fs::parse_trace(fs::format_trace(t)), "test");
    CHECK(r.exact);
    REQUIRE(r.run.run.failed);
    CHECK(r.run.run.failed->message == t.failed->message);
    CHECK(r.run.run.event_hash == t.event_hash);
  }
}

TEST_CASE("the recording run equals the campaign run of the same seed") {
  const mutant_scope on("permit_released_at_stream_end");
  flushsim::seed_runner runner;
  for (std::uint64_t seed = 0; seed < 60; ++seed) {
    const fp::scenario sc = fp::generate(seed);
    const auto plain = runner.run(sc, seed);
    fp::scenario_outcome rec;
    const fs::trace t = flushsim::record_trace(sc, seed, {}, rec);
    CHECK(t.decision_hash == plain.run.decision_hash);
    CHECK(t.event_hash == plain.run.event_hash);
    CHECK(rec.describe() == plain.describe());
  }
}

TEST_CASE("a clean run's trace replays clean") {
  fp::scenario_outcome out;
  const fs::trace t = flushsim::record_trace(fp::generate(3), 3, {}, out);
  REQUIRE(out.ok());
  const auto r = flushsim::replay_trace(t, "test");
  CHECK(r.exact);
  CHECK(r.run.ok());
}

TEST_CASE("a trace whose decisions or hashes do not match this build diverges") {
  const mutant_scope on("finalize_in_arrival_order");
  fs::trace t = first_failing_trace();
  t.mutant = "finalize_in_arrival_order";
  REQUIRE(t.decisions.size() > 2);

  fs::trace other_hash = t;
  other_hash.event_hash ^= 1;
  CHECK_FALSE(flushsim::replay_trace(other_hash, "test").exact);

  fs::trace other_choice = t;
  auto& d = other_choice.decisions.front();
  d.index = (d.index + 1) % d.size;
  CHECK_FALSE(flushsim::replay_trace(other_choice, "test").exact);

  fs::trace short_schedule = t;
  short_schedule.decisions.resize(1);
  const auto r = flushsim::replay_trace(short_schedule, "test");
  CHECK_FALSE(r.exact);
}

TEST_CASE("a trace naming an unknown mutant or a broken scenario is bad input") {
  fp::scenario_outcome out;
  fs::trace t = flushsim::record_trace(fp::generate(3), 3, {}, out);
  fs::trace unknown = t;
  unknown.mutant = "no_such_mutant";
  CHECK_THROWS_AS(flushsim::replay_trace(unknown, "test"), flushsim::usage_error);
  fs::trace broken = t;
  broken.scenario = "max_pending 2\nflush ten none 0 0\n";
  try {
    flushsim::replay_trace(broken, "f.trace");
    FAIL("no error");
  } catch (const flushsim::usage_error& e) {
    CHECK(std::string(e.what()).find("f.trace (scenario section):2:") == 0);
  }
  flushsim::select_mutant(std::nullopt);
}

// Same seed, same schedule; different seeds, different schedules; replay.
#include <doctest/doctest.h>

#include <set>
#include <vector>

#include "flushcoord/sim/replay_scheduler.hpp"
#include "flushcoord/sim/runtime.hpp"
#include "workload.hpp"

namespace fs = flushcoord::sim;

namespace {

struct outcome {
  fs::run_result result;
  std::vector<fs::decision> decisions;
  std::vector<int> order;
};

outcome run_seed(std::uint64_t seed) {
  outcome o;
  fs::simulator sim(fs::config{.seed = seed});
  o.result = sim.run([&] { sim_test::contended(o.order); });
  o.decisions.assign(sim.decisions().decisions().begin(), sim.decisions().decisions().end());
  return o;
}

}  // namespace

TEST_CASE("the same seed gives the same decisions and hashes and behaviour") {
  for (std::uint64_t seed : {0ULL, 1ULL, 12345ULL}) {
    const outcome a = run_seed(seed);
    const outcome b = run_seed(seed);
    REQUIRE(a.result.ok());
    CHECK(a.result.decisions > 10);
    CHECK(a.result.decision_hash == b.result.decision_hash);
    CHECK(a.result.event_hash == b.result.event_hash);
    CHECK(a.decisions == b.decisions);
    CHECK(a.order == b.order);
    CHECK(a.result.steps == b.result.steps);
  }
}

TEST_CASE("a reused simulator gives the same run again") {
  fs::simulator sim(fs::config{.seed = 9});
  std::vector<int> o1, o2;
  const auto r1 = sim.run([&] { sim_test::contended(o1); });
  const auto r2 = sim.run([&] { sim_test::contended(o2); });
  CHECK(r1.decision_hash == r2.decision_hash);
  CHECK(r1.event_hash == r2.event_hash);
  CHECK(o1 == o2);
}

TEST_CASE("different seeds explore different interleavings") {
  std::set<std::uint64_t> hashes;
  std::set<std::vector<int>> orders;
  for (std::uint64_t seed = 0; seed < 20; ++seed) {
    const outcome o = run_seed(seed);
    REQUIRE(o.result.ok());
    hashes.insert(o.result.decision_hash);
    orders.insert(o.order);
  }
  CHECK(hashes.size() >= 15);
  CHECK(orders.size() >= 10);  // observable behaviour differs, not just the hash
}

TEST_CASE("replaying recorded decisions reproduces the run exactly") {
  const outcome original = run_seed(77);
  REQUIRE(original.result.ok());
  fs::replay_scheduler replay(original.decisions);
  fs::simulator sim(fs::config{.seed = 77}, replay);
  std::vector<int> order;
  const auto r = sim.run([&] { sim_test::contended(order); });
  REQUIRE(r.ok());
  CHECK(r.decision_hash == original.result.decision_hash);
  CHECK(r.event_hash == original.result.event_hash);
  CHECK(order == original.order);
}

TEST_CASE("replay divergence: an out-of-range recorded choice fails loudly") {
  outcome original = run_seed(5);
  REQUIRE(original.decisions.size() > 3);
  original.decisions[3].index = original.decisions[3].size + 4;  // corrupt one choice
  fs::replay_scheduler replay(original.decisions);
  fs::simulator sim(fs::config{.seed = 5}, replay);
  std::vector<int> order;
  const auto r = sim.run([&] { sim_test::contended(order); });
  REQUIRE(r.failed);
  CHECK(r.failed->what == fs::failure_class::nondeterminism);
  CHECK(r.failed->message.find("replay diverged at decision 3") != std::string::npos);
}

TEST_CASE("replay divergence: a different workload is detected") {
  const outcome original = run_seed(5);
  fs::replay_scheduler replay(original.decisions);
  fs::simulator sim(fs::config{.seed = 5}, replay);
  const auto r = sim.run([&] {
    fs::runtime rt;
    auto a = rt.spawn(flushcoord::task_kind::stream, "other", [&] {
      for (int i = 0; i < 5; ++i) rt.yield();
    });
    a.join();
  });
  REQUIRE(r.failed);
  CHECK(r.failed->what == fs::failure_class::nondeterminism);
}

TEST_CASE("replay divergence: a run shorter than the recording is detected") {
  const outcome original = run_seed(5);
  fs::replay_scheduler replay(original.decisions);
  fs::simulator sim(fs::config{.seed = 5}, replay);
  const auto r = sim.run([] {});
  REQUIRE(r.failed);
  CHECK(r.failed->what == fs::failure_class::nondeterminism);
  CHECK(r.failed->message.find("ended after 0 of") != std::string::npos);
}

TEST_CASE("recorded events match the event hash and are deterministic") {
  auto events_of = [](std::uint64_t seed) {
    fs::simulator sim(fs::config{.seed = seed, .record_events = true});
    std::vector<int> order;
    REQUIRE(sim.run([&] { sim_test::contended(order); }).ok());
    return std::vector<fs::event>(sim.events().begin(), sim.events().end());
  };
  const auto a = events_of(3);
  const auto b = events_of(3);
  REQUIRE(a.size() == b.size());
  CHECK(a.size() > 50);
  for (std::size_t i = 0; i < a.size(); ++i) {
    CHECK(a[i].kind == b[i].kind);
    CHECK(a[i].task == b[i].task);
    CHECK(a[i].object == b[i].object);
    CHECK(a[i].time == b[i].time);
  }
}

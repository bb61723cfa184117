// The async API on the sim runtime, over many schedules: completions run on
// a task of their own ("completion"), never inside the call that ends the
// wait nor inside the async call; a permit coming back goes straight to a
// suspended acquire; close and stop requests end suspended waits; a
// completion destroyed unrun (the runtime stopped) gives its permit back.
#include <doctest/doctest.h>

#include <functional>
#include <optional>
#include <stop_token>
#include <string>

#include <flushcoord/coordinator.hpp>

#include "flushcoord/sim/runtime.hpp"
#include "echo_engine.hpp"

namespace fs = flushcoord::sim;
using flushcoord::errc;
using flushcoord::result;
using namespace std::chrono_literals;

namespace {

using flushcoord_sim_tests::echo_engine;

using coordinator = flushcoord::coordinator<fs::runtime, echo_engine>;
using permit = coordinator::permit;

void over_seeds(const std::function<void(fs::runtime&, coordinator&)>& body, std::size_t permits = 1) {
  for (std::uint64_t seed = 0; seed < 30; ++seed) {
    CAPTURE(seed);
    fs::simulator sim(fs::config{.seed = seed});
    const auto r = sim.run([&] {
      fs::runtime rt;
      coordinator c(rt, echo_engine{}, {.max_pending_flushes = permits});
      body(rt, c);
      c.shutdown();
    });
    CHECK(r.ok());
    if (r.failed) FAIL_CHECK(r.failed->report);
  }
}

/// Lets virtual time pass until `done()`, for at most 1 s of it.
template <class Done>
void await(fs::runtime& rt, Done done) {
  for (int i = 0; i < 1000 && !done(); ++i) rt.sleep_for(1ms);
  REQUIRE_MESSAGE(done(), "the completion never ran");
}

/// What one completion saw: the outcome and the task it ran on.
template <class T>
struct seen {
  std::optional<T> outcome;
  std::string task;
};

}  // namespace

TEST_CASE("sim: a returned permit goes to the suspended async acquire, on a completion task") {
  over_seeds([](fs::runtime& rt, coordinator& c) {
    auto held = c.try_acquire_permit();
    REQUIRE(held.ok());
    seen<result<permit>> got;
    c.async_acquire_permit([&got, rt](result<permit> p) {
      got.task = std::string(rt.current_task_name());
      got.outcome.emplace(std::move(p));
    });
    CHECK(!got.outcome);  // never inside the call
    rt.sleep_for(1ms);
    CHECK(!got.outcome);  // no permit came back yet
    held = flushcoord::flush_error::make(errc::no_permit, std::nullopt, "dropped");  // gives it back
    // The completion may already have run meanwhile (the release is a
    // scheduling point), but on a task of its own; the permit is counted
    // out to the waiter either way.
    CHECK(c.permits_available() == 0);
    await(rt, [&] { return got.outcome.has_value(); });
    REQUIRE(got.outcome->ok());
    CHECK(got.task == "completion");
  });
}

TEST_CASE("sim: close and stop requests end suspended async acquires") {
  over_seeds([](fs::runtime& rt, coordinator& c) {
    auto held = c.try_acquire_permit();
    REQUIRE(held.ok());
    seen<result<permit>> by_stop, by_close;
    std::stop_source stop;
    c.async_acquire_permit([&](result<permit> p) { by_stop.outcome.emplace(std::move(p)); }, stop.get_token());
    c.async_acquire_permit([&](result<permit> p) { by_close.outcome.emplace(std::move(p)); });
    stop.request_stop();
    c.close();
    await(rt, [&] { return by_stop.outcome && by_close.outcome; });
    REQUIRE(!by_stop.outcome->ok());
    CHECK(by_stop.outcome->error().code == errc::cancelled);
    REQUIRE(!by_close.outcome->ok());
    CHECK(by_close.outcome->error().code == errc::shut_down);
  });
}

TEST_CASE("sim: ticket::async_wait completes once the flush resolves, and can be cancelled") {
  over_seeds(
      [](fs::runtime& rt, coordinator& c) {
        auto p = c.acquire_permit();
        REQUIRE(p.ok());
        auto rf = c.rotate(std::move(p).value(), 5);
        REQUIRE(rf.ok());
        auto t = c.spawn_stream(std::move(rf).value(), [rt](const int&, std::stop_token) -> result<int> {
          rt.sleep_for(2ms);
          return 5;
        });
        seen<result<int>> waited, cancelled;
        std::stop_source stop;
        t.async_wait([&](result<int> r) { waited.outcome.emplace(std::move(r)); });
        t.async_wait([&](result<int> r) { cancelled.outcome.emplace(std::move(r)); }, stop.get_token());
        stop.request_stop();
        await(rt, [&] { return waited.outcome && cancelled.outcome; });
        REQUIRE(waited.outcome->ok());
        CHECK(waited.outcome->value() == 5);
        CHECK(rt.now() >= 2ms);
        REQUIRE(!cancelled.outcome->ok());
        CHECK(cancelled.outcome->error().code == errc::cancelled);
      },
      2);
}

TEST_CASE("sim: a completion destroyed unrun, because the runtime stopped, gives its permit back") {
  over_seeds([](fs::runtime& rt, coordinator& c) {
    auto held = c.try_acquire_permit();
    REQUIRE(held.ok());
    bool called = false;
    c.async_acquire_permit([&called](result<permit>) { called = true; });
    rt.stop_unstarted_streams();
    held = flushcoord::flush_error::make(errc::no_permit, std::nullopt, "dropped");
    rt.sleep_for(1ms);  // the dropped completion task is destroyed on its fiber
    CHECK(!called);
    CHECK(c.permits_available() == 1);
  });
}

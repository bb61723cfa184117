// Durations at their limits (SPEC §2.7) on the sim runtime: the coordinator's
// options::stream_timeout, drain, acquire_permit_for and ticket::wait_for at
// 1 ns, at 100 years and at nanoseconds::max(), over several schedules. Each
// run first lets 1 ms of virtual time pass, so that `now + max()` would
// overflow (at now == 0 it does not). 1 ns times out; the large ones wait
// for the 10 ms stream, as no timeout would.
#include <doctest/doctest.h>

#include <chrono>
#include <functional>
#include <stop_token>

#include <flushcoord/coordinator.hpp>

#include "flushcoord/sim/runtime.hpp"
#include "echo_engine.hpp"

namespace fs = flushcoord::sim;
using flushcoord::errc;
using flushcoord::nanoseconds;
using namespace std::chrono_literals;

namespace {

using flushcoord_sim_tests::echo_engine;

using coordinator = flushcoord::coordinator<fs::runtime, echo_engine>;

constexpr nanoseconds one_ns{1};
constexpr nanoseconds hundred_years = std::chrono::duration_cast<nanoseconds>(std::chrono::years(100));
constexpr nanoseconds large_durations[] = {hundred_years, nanoseconds::max()};
constexpr auto start_at = 1ms;     // virtual time when the coordinator starts
constexpr auto stream_takes = 10ms;  // every stream below sleeps this long, or until stopped

/// Runs `body(rt, coord)` on a coordinator of `permits` permits and
/// `timeout`, over 20 seeds; each run must end cleanly.
void over_seeds(std::size_t permits, std::optional<nanoseconds> timeout,
                const std::function<void(fs::runtime&, coordinator&)>& body) {
  for (std::uint64_t seed = 0; seed < 20; ++seed) {
    CAPTURE(seed);
    fs::simulator sim(fs::config{.seed = seed});
    const auto r = sim.run([&] {
      fs::runtime rt;
      rt.sleep_for(start_at);
      coordinator c(rt, echo_engine{}, {.max_pending_flushes = permits, .stream_timeout = timeout});
      body(rt, c);
      c.shutdown();
    });
    CHECK(r.ok());
    if (r.failed) FAIL_CHECK(r.failed->report);
  }
}

/// Rotates one flush whose stream sleeps stream_takes (waking early on a
/// stop request) and returns `out`.
coordinator::ticket_type start_flush(fs::runtime& rt, coordinator& c, int out = 7) {
  auto p = c.acquire_permit();
  REQUIRE(p.ok());
  auto rf = c.rotate(std::move(p).value(), out);
  REQUIRE(rf.ok());
  return c.spawn_stream(std::move(rf).value(),
                        [rt, out](const int&, std::stop_token st) -> flushcoord::result<int> {
                          rt.sleep_for(stream_takes, st);
                          return out;
                        });
}

}  // namespace

TEST_CASE("sim: stream_timeout of 1 ns fails the stream") {
  over_seeds(2, one_ns, [](fs::runtime& rt, coordinator& c) {
    auto r = start_flush(rt, c).wait();
    REQUIRE(!r.ok());
    CHECK(r.error().code == errc::stream_timeout);
  });
}

TEST_CASE("sim: stream_timeout of 100 years or nanoseconds::max() lets the stream finish") {
  for (nanoseconds timeout : large_durations) {
    CAPTURE(timeout.count());
    over_seeds(2, timeout, [](fs::runtime& rt, coordinator& c) {
      auto r = start_flush(rt, c).wait();
      CHECK(r.ok());
      if (!r.ok()) FAIL_CHECK(r.error().message);
      CHECK(rt.now() >= start_at + stream_takes);
      CHECK(c.failed_count() == 0);
    });
  }
}

TEST_CASE("sim: drain of 1 ns stalls, of 100 years or nanoseconds::max() waits") {
  over_seeds(2, std::nullopt, [](fs::runtime& rt, coordinator& c) {
    auto t = start_flush(rt, c);
    auto r = c.drain(one_ns);
    REQUIRE(!r.ok());
    CHECK(r.error().code == errc::drain_stalled);
    CHECK(t.wait().ok());
  });
  for (nanoseconds stall : large_durations) {
    CAPTURE(stall.count());
    over_seeds(2, std::nullopt, [stall](fs::runtime& rt, coordinator& c) {
      auto t = start_flush(rt, c);
      auto r = c.drain(stall);
      CHECK(r.ok());
      if (!r.ok()) FAIL_CHECK(r.error().message);
      CHECK(c.pending_count() == 0);
      CHECK(rt.now() >= start_at + stream_takes);
      CHECK(t.wait().ok());
    });
  }
}

TEST_CASE("sim: acquire_permit_for of 1 ns times out, of 100 years or max() waits") {
  over_seeds(1, std::nullopt, [](fs::runtime& rt, coordinator& c) {
    auto t = start_flush(rt, c);
    auto p = c.acquire_permit_for(one_ns);
    REQUIRE(!p.ok());
    CHECK(p.error().code == errc::permit_timeout);
    CHECK(t.wait().ok());
  });
  for (nanoseconds timeout : large_durations) {
    CAPTURE(timeout.count());
    over_seeds(1, std::nullopt, [timeout](fs::runtime& rt, coordinator& c) {
      auto t = start_flush(rt, c);
      auto p = c.acquire_permit_for(timeout);
      CHECK(p.ok());
      if (!p.ok()) FAIL_CHECK(p.error().message);
      CHECK(rt.now() >= start_at + stream_takes);
      CHECK(t.wait().ok());
    });
  }
}

TEST_CASE("sim: ticket::wait_for of 1 ns times out, of 100 years or max() waits") {
  over_seeds(2, std::nullopt, [](fs::runtime& rt, coordinator& c) {
    auto t = start_flush(rt, c);
    auto r = t.wait_for(one_ns);
    REQUIRE(!r.ok());
    CHECK(r.error().code == errc::ticket_timeout);
    CHECK(t.wait().ok());
  });
  for (nanoseconds timeout : large_durations) {
    CAPTURE(timeout.count());
    over_seeds(2, std::nullopt, [timeout](fs::runtime& rt, coordinator& c) {
      auto t = start_flush(rt, c);
      auto r = t.wait_for(timeout);
      CHECK(r.ok());
      if (!r.ok()) FAIL_CHECK(r.error().message);
      CHECK(rt.now() >= start_at + stream_takes);
    });
  }
}

// Durations at their limits (SPEC §2.7) on the prod runtime: every entry
// point that takes a duration — options::stream_timeout, drain,
// acquire_permit_for, ticket::wait_for — at 1 ns, at 100 years and at
// nanoseconds::max(). 1 ns times out; the two large ones wait until the work
// is done, as no timeout would: `now + max()` must not wrap into the past
// (which fails every flush at once, and aborts a UBSan build).
#include "harness.hpp"

using namespace fct;

namespace {

using flushcoord::nanoseconds;

constexpr nanoseconds one_ns{1};
constexpr nanoseconds hundred_years = std::chrono::duration_cast<nanoseconds>(std::chrono::years(100));
constexpr nanoseconds no_limit = nanoseconds::max();
constexpr nanoseconds large_durations[] = {hundred_years, no_limit};

/// How long the gated flushes below stay unfinished: long enough for a
/// wrong timeout to fire first, short enough to keep the tests quick.
constexpr auto hold_for = 30ms;

/// Opens `g` after hold_for, on a thread of its own; the caller joins it.
std::thread open_later(std::shared_ptr<gate> g) {
  return std::thread([g = std::move(g)] {
    std::this_thread::sleep_for(hold_for);
    g->open();
  });
}

}  // namespace

TEST_CASE("stream_timeout of 1 ns fails a stream that is still running") {
  fixture fx(2, one_ns);
  auto never = std::make_shared<gate>();
  ticket t = fx.start([never](const payload&, std::stop_token stop) -> stream_result {
    never->wait(stop);
    return std::string("late");
  });
  auto r = wait_resolved(t);
  REQUIRE(!r.ok());
  CHECK(r.error().code == errc::stream_timeout);
  fx.shutdown_and_check();
}

TEST_CASE("stream_timeout of 100 years or nanoseconds::max() never fires early") {
  for (nanoseconds timeout : large_durations) {
    CAPTURE(timeout.count());
    fixture fx(2, timeout);
    auto g = std::make_shared<gate>();
    ticket t = fx.start(returns_after(g, "x"));
    std::this_thread::sleep_for(hold_for);
    CHECK_FALSE(t.is_ready());
    CHECK(fx.coord->failed_count() == 0);
    g->open();
    auto r = wait_resolved(t);
    CHECK(r.ok());
    if (!r.ok()) FAIL_CHECK(r.error().message);
    fx.shutdown_and_check();
  }
}

TEST_CASE("drain of 1 ns reports a stall while a flush is stuck") {
  fixture fx(2);
  auto g = std::make_shared<gate>();
  ticket t = fx.start(returns_after(g, "x"));
  auto r = fx.coord->drain(one_ns);
  REQUIRE(!r.ok());
  CHECK(r.error().code == errc::drain_stalled);
  g->open();
  CHECK(wait_resolved(t).ok());
  fx.shutdown_and_check();
}

TEST_CASE("drain of 100 years or nanoseconds::max() waits until nothing is pending") {
  for (nanoseconds stall : large_durations) {
    CAPTURE(stall.count());
    fixture fx(2);
    auto g = std::make_shared<gate>();
    ticket t = fx.start(returns_after(g, "x"));
    std::thread opener = open_later(g);
    auto r = fx.coord->drain(stall);
    opener.join();
    CHECK(r.ok());
    if (!r.ok()) FAIL_CHECK(r.error().message);
    CHECK(fx.coord->pending_count() == 0);
    CHECK(wait_resolved(t).ok());
    fx.shutdown_and_check();
  }
}

TEST_CASE("acquire_permit_for of 1 ns times out while every permit is in use") {
  fixture fx(1);
  auto g = std::make_shared<gate>();
  ticket t = fx.start(returns_after(g, "x"));
  auto p = fx.coord->acquire_permit_for(one_ns);
  REQUIRE(!p.ok());
  CHECK(p.error().code == errc::permit_timeout);
  g->open();
  CHECK(wait_resolved(t).ok());
  CHECK(fx.coord->acquire_permit_for(one_ns).ok());  // one is free now: no wait at all
  fx.shutdown_and_check();
}

TEST_CASE("acquire_permit_for of 100 years or nanoseconds::max() waits for a permit") {
  for (nanoseconds timeout : large_durations) {
    CAPTURE(timeout.count());
    fixture fx(1);
    CHECK(fx.coord->acquire_permit_for(timeout).ok());  // free: at once
    auto g = std::make_shared<gate>();
    ticket t = fx.start(returns_after(g, "x"));
    std::thread opener = open_later(g);
    auto p = fx.coord->acquire_permit_for(timeout);
    opener.join();
    CHECK(p.ok());
    if (!p.ok()) FAIL_CHECK(p.error().message);
    CHECK(wait_resolved(t).ok());
    fx.shutdown_and_check();
  }
}

TEST_CASE("ticket::wait_for of 1 ns times out on a pending ticket") {
  fixture fx(2);
  auto g = std::make_shared<gate>();
  ticket t = fx.start(returns_after(g, "x"));
  auto r = t.wait_for(one_ns);
  REQUIRE(!r.ok());
  CHECK(r.error().code == errc::ticket_timeout);
  g->open();
  CHECK(wait_resolved(t).ok());
  CHECK(t.wait_for(one_ns).ok());  // resolved now: no wait at all
  fx.shutdown_and_check();
}

TEST_CASE("ticket::wait_for of 100 years or nanoseconds::max() waits until resolved") {
  for (nanoseconds timeout : large_durations) {
    CAPTURE(timeout.count());
    fixture fx(2);
    auto g = std::make_shared<gate>();
    ticket t = fx.start(returns_after(g, "x"));
    std::thread opener = open_later(g);
    auto r = t.wait_for(timeout);
    opener.join();
    CHECK(r.ok());
    if (!r.ok()) FAIL_CHECK(r.error().message);
    fx.shutdown_and_check();
  }
}

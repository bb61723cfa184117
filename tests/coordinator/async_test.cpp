// The async API on the prod runtime: async_acquire_permit and
// ticket::async_wait with Boost.Asio completion tokens (use_future,
// use_awaitable, callbacks), cancellation through std::stop_token, and the
// same guarantees as the blocking calls: close wakes suspended acquires
// with shut_down, a timed-out flush completes its async waiters without
// waiting for its stream, and completions never run on the caller's stack.
#include "harness.hpp"

#include <utility>

#include <boost/asio/bind_executor.hpp>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/asio/use_future.hpp>

using namespace fct;
namespace asio = boost::asio;

namespace {

/// Waits for a future with the hang guard.
template <class T>
T get_within_limit(std::future<T>& f) {
  REQUIRE_MESSAGE(f.wait_for(hang_limit) == std::future_status::ready, "async completion never came");
  return f.get();
}

}  // namespace

TEST_CASE("async_acquire_permit completes at once while permits are free, later when one comes back") {
  fixture fx(1);
  std::future<result<coordinator::permit>> first = fx.coord->async_acquire_permit(asio::use_future);
  auto p = get_within_limit(first);
  REQUIRE(p.ok());
  CHECK(fx.coord->permits_available() == 0);

  std::future<result<coordinator::permit>> second = fx.coord->async_acquire_permit(asio::use_future);
  // Nobody can complete it while the only permit is held.
  CHECK(second.wait_for(50ms) == std::future_status::timeout);
  auto rf = fx.coord->rotate(std::move(p).value(), payload{});
  REQUIRE(rf.ok());
  ticket t = fx.coord->spawn_stream(std::move(rf).value(), returns("a"));
  auto p2 = get_within_limit(second);
  REQUIRE(p2.ok());
  // The permit went to the suspended caller, after flush 0 was finalized.
  REQUIRE(wait_resolved(t).ok());
  CHECK(fx.j->finalized_seqs() == std::vector<std::uint64_t>{0});
  CHECK(fx.coord->permits_available() == 0);
  p2 = flush_error::make(errc::no_permit, std::nullopt, "dropped");  // the permit goes back
  CHECK(fx.coord->permits_available() == 1);
  fx.shutdown_and_check();
}

TEST_CASE("close completes suspended async_acquire_permit calls with shut_down") {
  fixture fx(1);
  auto held = fx.coord->try_acquire_permit();
  REQUIRE(held.ok());
  auto a = fx.coord->async_acquire_permit(asio::use_future);
  auto b = fx.coord->async_acquire_permit(asio::use_future);
  fx.coord->close();
  for (auto* f : {&a, &b}) {
    auto r = get_within_limit(*f);
    REQUIRE(!r.ok());
    CHECK(r.error().code == errc::shut_down);
  }
  // After close, a new call is refused too (and still asynchronously).
  auto c = fx.coord->async_acquire_permit(asio::use_future);
  auto rc = get_within_limit(c);
  REQUIRE(!rc.ok());
  CHECK(rc.error().code == errc::shut_down);
  held = flush_error::make(errc::no_permit, std::nullopt, "dropped");
  fx.shutdown_and_check();
}

TEST_CASE("a stop request cancels a suspended async_acquire_permit; the permit count is untouched") {
  fixture fx(1);
  auto held = fx.coord->try_acquire_permit();
  REQUIRE(held.ok());
  std::stop_source stop;
  auto f = fx.coord->async_acquire_permit(asio::use_future, stop.get_token());
  CHECK(f.wait_for(20ms) == std::future_status::timeout);
  stop.request_stop();
  auto r = get_within_limit(f);
  REQUIRE(!r.ok());
  CHECK(r.error().code == errc::cancelled);
  held = flush_error::make(errc::no_permit, std::nullopt, "dropped");
  CHECK(fx.coord->permits_available() == 1);  // the permit did not go to the cancelled waiter

  // Stopped before the call: cancelled at once, even with a permit free.
  std::stop_source already;
  already.request_stop();
  auto g = fx.coord->async_acquire_permit(asio::use_future, already.get_token());
  auto rg = get_within_limit(g);
  REQUIRE(!rg.ok());
  CHECK(rg.error().code == errc::cancelled);
  CHECK(fx.coord->permits_available() == 1);
  fx.shutdown_and_check();
}

TEST_CASE("ticket::async_wait completes on resolve, on a thread of the runtime, never the caller's") {
  fixture fx(2);
  auto g = std::make_shared<gate>();
  ticket t = fx.start(returns_after(g, "late"));
  std::promise<std::pair<result<std::string>, std::thread::id>> done;
  auto fut = done.get_future();
  t.async_wait([&done](result<std::string> r) { done.set_value({std::move(r), std::this_thread::get_id()}); });
  CHECK(fut.wait_for(20ms) == std::future_status::timeout);
  g->open();
  auto [r, where] = get_within_limit(fut);
  REQUIRE(r.ok());
  CHECK(r.value() == "snap-0:late");
  CHECK(where != std::this_thread::get_id());

  // Already resolved: still asynchronous, the same outcome.
  auto again = t.async_wait(asio::use_future);
  CHECK(get_within_limit(again).value() == "snap-0:late");

  // Refused after close (a ready ticket): completes with shut_down.
  auto rf = fx.rotate();
  fx.coord->close();
  ticket refused = fx.coord->spawn_stream(std::move(rf), returns("never"));
  auto rr = refused.async_wait(asio::use_future);
  auto outcome = get_within_limit(rr);
  REQUIRE(!outcome.ok());
  CHECK(outcome.error().code == errc::shut_down);
  fx.shutdown_and_check();
}

TEST_CASE("ticket::async_wait: a stop request cancels it; the ticket stays valid and resolves later") {
  fixture fx(1);
  auto g = std::make_shared<gate>();
  ticket t = fx.start(returns_after(g, "x"));
  std::stop_source stop;
  auto cancelled = t.async_wait(asio::use_future, stop.get_token());
  stop.request_stop();
  auto rc = get_within_limit(cancelled);
  REQUIRE(!rc.ok());
  CHECK(rc.error().code == errc::cancelled);
  g->open();
  CHECK(wait_resolved(t).value() == "snap-0:x");
  fx.shutdown_and_check();
}

TEST_CASE("a timed-out flush completes its async waiters without waiting for its stream") {
  fixture fx(2, 20ms);
  auto g = std::make_shared<gate>();  // the stream ignores its stop token until the gate opens
  ticket t = fx.start([g](const payload&, std::stop_token) -> stream_result {
    CHECK(g->wait());
    return std::string("too late");
  });
  auto f = t.async_wait(asio::use_future);
  auto r = get_within_limit(f);
  REQUIRE(!r.ok());
  CHECK(r.error().code == errc::stream_timeout);
  CHECK(!g->is_open());  // the stream is still running: nobody waited for it
  g->open();
  fx.shutdown_and_check();
}

namespace {

/// The writer of the README's coroutine example: N flushes, each awaiting a
/// permit, then awaiting the last ticket.
asio::awaitable<void> coroutine_writer(coordinator& coord, int flushes, std::vector<std::string>& outcomes) {
  ticket last;
  for (int i = 0; i < flushes; ++i) {
    auto p = co_await coord.async_acquire_permit(asio::use_awaitable);
    REQUIRE(p.ok());
    auto rf = coord.rotate(std::move(p).value(), payload{i});
    REQUIRE(rf.ok());
    last = coord.spawn_stream(std::move(rf).value(), [i](const payload&, std::stop_token) -> stream_result {
      return "s" + std::to_string(i);
    });
  }
  auto r = co_await last.async_wait(asio::use_awaitable);
  outcomes.push_back(r.ok() ? r.value() : r.error().message);
}

}  // namespace

TEST_CASE("a coroutine writer on the stream threads: streams and writer share two threads") {
  asio::io_context ctx(2);
  auto work = asio::make_work_guard(ctx);
  std::vector<std::thread> threads;
  for (int i = 0; i < 2; ++i) threads.emplace_back([&] { ctx.run(); });
  std::vector<std::string> outcomes;
  {
    flushcoord::prod::runtime rt(ctx.get_executor());
    auto j = std::make_shared<journal>();
    coordinator coord(rt, test_engine{j}, make_options(2));
    std::promise<void> finished;
    asio::co_spawn(ctx, coroutine_writer(coord, 200, outcomes),
                   [&finished](std::exception_ptr e) {
                     if (e) finished.set_exception(e);
                     else finished.set_value();
                   });
    auto f = finished.get_future();
    REQUIRE(f.wait_for(hang_limit) == std::future_status::ready);
    f.get();
    coord.shutdown();
    std::vector<std::uint64_t> expected(200);
    for (std::uint64_t i = 0; i < 200; ++i) expected[i] = i;
    CHECK(j->finalized_seqs() == expected);
    for (auto& v : j->violations_copy()) FAIL_CHECK(v);
  }
  work.reset();
  for (auto& t : threads) t.join();
  CHECK(outcomes == std::vector<std::string>{"snap-199:s199"});
}

TEST_CASE("the handler's io_context may go first: a suspended wait's handler is destroyed unrun, nothing leaks") {
  fixture fx(2);
  auto g = std::make_shared<gate>();
  ticket t = fx.start(returns_after(g, "x"));  // holds one permit until the gate opens
  auto held = fx.coord->try_acquire_permit();  // and this the other
  REQUIRE(held.ok());
  bool called = false;
  {
    asio::io_context ctx;
    fx.coord->async_acquire_permit(asio::bind_executor(ctx, [&called](result<coordinator::permit>) { called = true; }));
    t.async_wait(asio::bind_executor(ctx, [&called](result<std::string>) { called = true; }));
    // A coroutine suspended in async_acquire_permit: its frame goes with ctx.
    asio::co_spawn(
        ctx,
        [&]() -> asio::awaitable<void> {
          auto p = co_await fx.coord->async_acquire_permit(asio::use_awaitable);
          called = true;
        },
        asio::detached);
    ctx.run_for(10ms);  // starts the coroutine; it suspends
  }  // ctx stopped and destroyed with all three still suspended
  held = flush_error::make(errc::no_permit, std::nullopt, "dropped");  // granted to the dead waiters in turn
  g->open();
  REQUIRE(wait_resolved(t).ok());
  // Each dead waiter's permit goes back as its completion finds no handler.
  const auto start = std::chrono::steady_clock::now();
  while (fx.coord->permits_available() != 2 && elapsed_since(start) < hang_limit) std::this_thread::sleep_for(1ms);
  CHECK(fx.coord->permits_available() == 2);
  CHECK(!called);
  fx.shutdown_and_check();
}

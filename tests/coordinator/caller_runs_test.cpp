// The UNSAFE opt-in prod::runtime_options::callers_run_streams, set on
// explicitly in every test below but the first: a caller blocked in
// acquire_permit runs queued streams itself, only while streams are short,
// never nested, never in a timed wait, and a stream left to a pool thread on
// call still starts without the caller's help. By default (the first test)
// no caller ever runs a stream; blocking_wait_test.cpp says why that matters.
//
// Which thread ran a stream is recorded by the stream; the tests never
// depend on a sleep being long enough: where a test sleeps, it is to let a
// wrong behaviour show, and the right one passes whatever the timing.
#include "harness.hpp"

namespace fct {
namespace {

/// What one stream saw of the thread it ran on.
struct ran_on {
  std::atomic<bool> ran{false};
  std::thread::id thread;
  bool marked_as_runtime_thread = false;  // prod::detail::runs_runtime_tasks()
};

/// A stream that records where it ran, then returns `out`.
auto records(std::shared_ptr<ran_on> where, std::string out) {
  return [where = std::move(where), out = std::move(out)](const payload&,
                                                          std::stop_token) -> stream_result {
    where->thread = std::this_thread::get_id();
    where->marked_as_runtime_thread = flushcoord::prod::detail::runs_runtime_tasks();
    where->ran = true;
    return out;
  };
}

/// A stream that says it started, waits for `g`, then returns `out`.
auto blocks_on(std::shared_ptr<std::atomic<bool>> started, std::shared_ptr<gate> g,
               std::string out) {
  return [started = std::move(started), g = std::move(g), out = std::move(out)](
             const payload&, std::stop_token) -> stream_result {
    *started = true;
    CHECK(g->wait());
    return out;
  };
}

/// Two permits, one pool thread: flush 0's stream holds the pool thread
/// until `release` opens, flush 1's stream is queued behind it, and the
/// caller then blocks for a third permit. Returns where flush 1 ran.
/// `open_release` decides when to let flush 0 finish, on another thread.
enum class acquire_with { blocking, timed };

std::shared_ptr<ran_on> block_for_permit_with_a_queued_stream(
    fixture& fx, std::function<void(ran_on&, gate&)> open_release,
    acquire_with how = acquire_with::blocking) {
  auto started = std::make_shared<std::atomic<bool>>(false);
  auto release = std::make_shared<gate>();
  auto second = std::make_shared<ran_on>();
  ticket t0 = fx.start(blocks_on(started, release, "a"));
  REQUIRE(eventually([&] { return started->load(); }));  // the pool thread is busy
  ticket t1 = fx.start(records(second, "b"));
  std::thread opener([&] { open_release(*second, *release); });
  // Blocks: both permits are out.
  auto p = how == acquire_with::blocking ? fx.coord->acquire_permit()
                                         : fx.coord->acquire_permit_for(hang_limit);
  opener.join();
  CHECK(p.ok());
  CHECK(wait_resolved(t0).ok());
  CHECK(wait_resolved(t1).ok());
  CHECK(second->ran.load());
  return second;
}

/// One pool thread, callers running streams.
constexpr flushcoord::prod::runtime_options opt_in{.stream_threads = 1,
                                                   .callers_run_streams = true};

TEST_CASE("by default a blocked caller leaves streams to the pool") {
  fixture fx(2, flushcoord::prod::runtime_options{.stream_threads = 1});
  auto second = block_for_permit_with_a_queued_stream(fx, [](ran_on&, gate& release) {
    std::this_thread::sleep_for(20ms);  // time for a wrong caller to take flush 1
    release.open();
  });
  CHECK(second->thread != std::this_thread::get_id());
  CHECK(second->marked_as_runtime_thread);  // a pool thread
  CHECK(fx.rt.streams_run_by_callers() == 0);
  fx.shutdown_and_check();
}

TEST_CASE("opt-in: a caller blocked for a permit runs a queued stream on its own thread") {
  fixture fx(2, opt_in);
  auto second = block_for_permit_with_a_queued_stream(fx, [](ran_on& flush1, gate& release) {
    // Only the blocked caller can run flush 1 now: the pool thread is held.
    CHECK(eventually([&] { return flush1.ran.load(); }));
    release.open();
  });
  CHECK(second->thread == std::this_thread::get_id());
  // While it runs a stream, the caller counts as a runtime thread: a stream
  // that blocks there does not pick up further streams inside itself.
  CHECK(second->marked_as_runtime_thread);
  CHECK(!flushcoord::prod::detail::runs_runtime_tasks());  // and not afterwards
  CHECK(fx.rt.streams_run_by_callers() == 1);
  fx.shutdown_and_check();
}

TEST_CASE("opt-in: a caller in a timed wait for a permit never runs streams") {
  // A bounded wait may be made under the engine's flush lock; a stream run
  // there could publish and take that lock again.
  fixture fx(2, opt_in);
  auto second = block_for_permit_with_a_queued_stream(
      fx,
      [](ran_on&, gate& release) {
        std::this_thread::sleep_for(20ms);  // time for a wrong caller to take flush 1
        release.open();
      },
      acquire_with::timed);
  CHECK(second->thread != std::this_thread::get_id());
  CHECK(fx.rt.streams_run_by_callers() == 0);
  fx.shutdown_and_check();
}

TEST_CASE("opt-in: callers stop running streams once streams have been long") {
  fixture fx(2, opt_in);
  // Sixteen 2 ms streams: the pool's moving average is far above the
  // 20 us short_stream bound from then on.
  for (int i = 0; i < 16; ++i) {
    ticket t = fx.start([](const payload&, std::stop_token) -> stream_result {
      std::this_thread::sleep_for(2ms);
      return std::string("slow");
    });
    CHECK(wait_resolved(t).ok());
  }
  auto second = block_for_permit_with_a_queued_stream(fx, [](ran_on&, gate& release) {
    std::this_thread::sleep_for(20ms);  // time for a wrong caller to take flush 1
    release.open();
  });
  CHECK(second->thread != std::this_thread::get_id());
  fx.shutdown_and_check();
}

TEST_CASE("opt-in: streams posted while the pool thread is on call start without the caller's help") {
  // After each short stream the pool thread sleeps on call: posts do not
  // wake it, it comes back by itself. The caller never blocks in a way that
  // helps here (it polls), so every stream must be started by the pool.
  fixture fx(4, opt_in);
  for (int round = 0; round < 200; ++round) {
    auto where = std::make_shared<ran_on>();
    ticket t = fx.start(records(where, "x"));
    REQUIRE(eventually([&] { return t.is_ready(); }));
    CHECK(t.try_get()->ok());
    CHECK(where->thread != std::this_thread::get_id());
    if (round % 50 == 0) std::this_thread::sleep_for(1ms);  // past the on-call window too
  }
  fx.shutdown_and_check();
}

}  // namespace
}  // namespace fct

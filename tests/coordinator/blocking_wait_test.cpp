// A blocking wait never runs a stream on the caller's thread (SPEC §2.6), with
// the prod runtime's default options: ticket::wait() and acquire_permit()
// stay bounded by stream_timeout however long a stream takes, and a writer
// blocked on one coordinator never runs another coordinator's stream (whose
// finalize may take a lock the writer holds).
//
// Each test queues the stream that matters behind a blocker on the pool's one
// thread, so that a caller that ran queued streams (the opt-in
// runtime_options::callers_run_streams) would certainly pick it up.
#include "harness.hpp"

using namespace fct;

namespace {

constexpr auto timeout = 50ms;
constexpr auto stream_sleeps = 400ms;  // ignoring its stop token
constexpr auto well_within = 300ms;    // bound on a wait that should end at ~timeout

/// A stream that ignores its stop token and sleeps stream_sleeps.
auto oblivious_sleeper(std::string out) {
  return [out = std::move(out)](const payload&, std::stop_token) -> stream_result {
    std::this_thread::sleep_for(stream_sleeps);
    return out;
  };
}

/// A stream that says it started, then waits for `g` (or its stop token).
auto blocker(std::shared_ptr<std::atomic<bool>> started, std::shared_ptr<gate> g) {
  return [started = std::move(started), g = std::move(g)](const payload&,
                                                          std::stop_token stop) -> stream_result {
    *started = true;
    g->wait(stop);
    return std::string("blocker");
  };
}

/// Occupies the pool's one thread with a stream that waits for `release`
/// (or for its timeout's stop request), and returns its ticket.
ticket occupy_pool_thread(fixture& fx, std::shared_ptr<gate> release) {
  auto started = std::make_shared<std::atomic<bool>>(false);
  ticket t = fx.start(blocker(started, std::move(release)));
  REQUIRE(eventually([&] { return started->load(); }));
  return t;
}

}  // namespace

TEST_CASE("ticket::wait() returns at the stream timeout, not when the stream returns") {
  fixture fx(2, flushcoord::prod::runtime_options{.stream_threads = 1}, timeout);
  auto release = std::make_shared<gate>();
  ticket first = occupy_pool_thread(fx, release);
  ticket t = fx.start(oblivious_sleeper("late"));  // queued behind the blocker
  const auto start = std::chrono::steady_clock::now();
  auto r = t.wait();
  const auto took = elapsed_since(start);
  REQUIRE(!r.ok());
  CHECK(r.error().code == errc::stream_timeout);
  CHECK(took < well_within);
  CHECK(fx.rt.streams_run_by_callers() == 0);
  release->open();
  CHECK(!wait_resolved(first).ok());  // timed out too
  fx.shutdown_and_check();
}

TEST_CASE("acquire_permit() gets a permit back at the stream timeout, not after the stream") {
  fixture fx(2, flushcoord::prod::runtime_options{.stream_threads = 1}, timeout);
  auto release = std::make_shared<gate>();
  ticket first = occupy_pool_thread(fx, release);
  ticket t = fx.start(oblivious_sleeper("late"));  // queued; both permits are out
  {
    const auto start = std::chrono::steady_clock::now();
    auto p = fx.coord->acquire_permit();
    const auto took = elapsed_since(start);
    CHECK(p.ok());
    CHECK(took < well_within);
    CHECK(fx.rt.streams_run_by_callers() == 0);
  }
  release->open();
  CHECK(wait_resolved(t).error().code == errc::stream_timeout);
  CHECK(!wait_resolved(first).ok());
  fx.shutdown_and_check();
}

namespace {

/// An engine whose finalize takes the engine's own flush lock, as a real
/// one does; records on which thread its streams ran.
struct locking_engine {
  using rotated_state = int;
  using outcome = std::thread::id;  // the thread the stream ran on
  using snapshot_id = std::thread::id;

  std::shared_ptr<std::mutex> flush_lock;

  result<std::thread::id> finalize(std::uint64_t, const int&, std::thread::id&& ran_on) {
    std::lock_guard<std::mutex> hold(*flush_lock);
    return ran_on;
  }
  void finalize_failure(std::uint64_t, const int&, const flush_error&) {
    std::lock_guard<std::mutex> hold(*flush_lock);
  }
};

using locking_coordinator = flushcoord::coordinator<runtime, locking_engine>;

result<std::thread::id> records_thread(const int&, std::stop_token) {
  return std::this_thread::get_id();
}

}  // namespace

TEST_CASE("a writer blocked on coordinator A under B's flush lock never runs B's stream") {
  // Everything lives inside the guarded function: if the writer deadlocks,
  // it stays alive with the thread that is stuck in it.
  const bool returned = returns_within(30s, [] {
    runtime rt(flushcoord::prod::runtime_options{.stream_threads = 1});
    auto a_lock = std::make_shared<std::mutex>();
    auto b_lock = std::make_shared<std::mutex>();
    locking_coordinator a(rt, locking_engine{a_lock}, {.max_pending_flushes = 1});
    locking_coordinator b(rt, locking_engine{b_lock}, {.max_pending_flushes = 1});

    // A's only permit is held by a flush whose stream occupies the pool thread.
    auto started = std::make_shared<std::atomic<bool>>(false);
    auto release = std::make_shared<gate>();
    auto a_rf = a.rotate(a.acquire_permit().value(), 0).value();
    auto a_ticket = a.spawn_stream(std::move(a_rf), [started, release](const int&,
                                                                       std::stop_token stop) {
      *started = true;
      release->wait(stop);
      return result<std::thread::id>(std::this_thread::get_id());
    });
    REQUIRE(eventually([&] { return started->load(); }));

    // B's stream is queued behind it.
    auto b_rf = b.rotate(b.acquire_permit().value(), 1).value();
    auto b_ticket = b.spawn_stream(std::move(b_rf), records_thread);

    // The writer takes B's flush lock, then blocks for A's permit.
    std::thread::id writer_id;
    std::thread writer([&] {
      writer_id = std::this_thread::get_id();
      std::lock_guard<std::mutex> hold(*b_lock);
      auto p = a.acquire_permit();
      CHECK(p.ok());
    });
    std::this_thread::sleep_for(50ms);  // time for a wrong writer to take B's stream
    release->open();
    writer.join();

    auto b_ran_on = b_ticket.wait_for(hang_limit);
    REQUIRE(b_ran_on.ok());
    CHECK(b_ran_on.value() != writer_id);
    CHECK(a_ticket.wait_for(hang_limit).ok());
    CHECK(rt.streams_run_by_callers() == 0);
    a.shutdown();
    b.shutdown();
  });
  CHECK_MESSAGE(returned, "the writer deadlocked: it ran B's stream under B's flush lock");
}

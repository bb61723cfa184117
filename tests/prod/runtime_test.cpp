// Tests of flushcoord::prod::runtime on its own: the policy members behave as
// flushcoord/runtime_policy.hpp says, on real threads.
//
// Waits in these tests are bounded by generous deadlines so that a broken
// runtime fails a CHECK instead of hanging the suite; nothing here depends on
// a sleep being "long enough" for correctness.
#include <doctest/doctest.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <condition_variable>
#include <ctime>
#include <memory>
#include <mutex>
#include <set>
#include <thread>
#include <vector>

#include <boost/asio/io_context.hpp>
#include <boost/asio/executor_work_guard.hpp>

#include <flushcoord/coordinator.hpp>
#include <flushcoord/prod/runtime.hpp>

namespace {

using flushcoord::task_kind;
using flushcoord::prod::runtime;
using namespace std::chrono_literals;

static_assert(flushcoord::runtime_policy<runtime>);

/// A one-shot gate a test opens to let blocked tasks continue.
class gate {
 public:
  void open() {
    {
      std::lock_guard<std::mutex> hold(m_);
      open_ = true;
    }
    cv_.notify_all();
  }
  /// Waits up to 60 s; returns whether the gate opened.
  bool wait() {
    std::unique_lock<std::mutex> hold(m_);
    return cv_.wait_for(hold, 60s, [this] { return open_; });
  }

 private:
  std::mutex m_;
  std::condition_variable cv_;
  bool open_ = false;
};

/// Per-closure bookkeeping for the exactly-once checks. The closure's
/// destructor locks a runtime mutex, as the policy allows.
struct closure_ledger {
  explicit closure_ledger(std::size_t n) : invoked(n), destroyed(n) {}
  flushcoord::prod::mutex m;
  std::vector<int> invoked;    // guarded by m
  std::vector<int> destroyed;  // guarded by m
};

/// A move-only closure that records, in its ledger, each invocation and the
/// destruction of the object that owns its identity (moved-from shells do
/// not count).
class tracked_closure {
 public:
  tracked_closure(closure_ledger& ledger, std::size_t id)
      : ledger_(&ledger), id_(id) {}
  tracked_closure(tracked_closure&& other) noexcept
      : ledger_(std::exchange(other.ledger_, nullptr)), id_(other.id_) {}
  tracked_closure& operator=(tracked_closure&&) = delete;
  ~tracked_closure() {
    if (!ledger_) return;
    flushcoord::lock_guard<flushcoord::prod::mutex> hold(ledger_->m);
    ++ledger_->destroyed[id_];
  }
  void operator()() {
    flushcoord::lock_guard<flushcoord::prod::mutex> hold(ledger_->m);
    ++ledger_->invoked[id_];
  }

 private:
  closure_ledger* ledger_;
  std::size_t id_;
};

bool join_within(const flushcoord::prod::task_handle& h,
                 std::chrono::milliseconds limit) {
  const auto until = std::chrono::steady_clock::now() + limit;
  while (!h.done()) {
    if (std::chrono::steady_clock::now() > until) return false;
    std::this_thread::sleep_for(1ms);
  }
  h.join();
  return true;
}

std::chrono::nanoseconds process_cpu_time() {
  timespec ts{};
  clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &ts);
  return std::chrono::seconds(ts.tv_sec) + std::chrono::nanoseconds(ts.tv_nsec);
}

}  // namespace

TEST_CASE("stream spawn and join") {
  runtime rt(flushcoord::prod::runtime_options{2});
  int value = 0;
  auto h = rt.spawn(task_kind::stream, "stream", [&value] { value = 42; });
  h.join();
  CHECK(h.done());
  CHECK(value == 42);  // join() synchronises with the task's writes
  h.join();            // joining again returns at once
  auto copy = h;
  CHECK(copy.done());
}

TEST_CASE("default-constructed handle counts as finished") {
  flushcoord::prod::task_handle h;
  CHECK(h.done());
  h.join();
}

TEST_CASE("many stream tasks all run exactly once") {
  runtime rt(flushcoord::prod::runtime_options{4});
  constexpr int tasks = 10000;
  std::vector<std::atomic<int>> runs(tasks);
  std::vector<flushcoord::prod::task_handle> handles;
  handles.reserve(tasks);
  for (int i = 0; i < tasks; ++i) {
    handles.push_back(
        rt.spawn(task_kind::stream, "stream", [&runs, i] { ++runs[i]; }));
  }
  for (auto& h : handles) h.join();
  for (int i = 0; i < tasks; ++i) REQUIRE(runs[i].load() == 1);
  CHECK(rt.streams_unfinished() == 0);
}

TEST_CASE("function object is destroyed before the handle is done") {
  runtime rt(flushcoord::prod::runtime_options{1});
  auto alive = std::make_shared<int>(0);
  std::weak_ptr<int> watch = alive;
  auto h = rt.spawn(task_kind::stream, "stream",
                    [owned = std::move(alive)] { (void)owned; });
  h.join();
  CHECK(watch.expired());
}

TEST_CASE("many concurrent joiners all return") {
  runtime rt(flushcoord::prod::runtime_options{2});
  gate release;
  std::atomic<bool> finished{false};
  auto h = rt.spawn(task_kind::stream, "blocked", [&] {
    release.wait();
    finished = true;
  });
  constexpr int joiners = 16;
  std::atomic<int> returned{0};
  std::atomic<int> saw_unfinished{0};
  std::vector<std::thread> threads;
  for (int i = 0; i < joiners; ++i) {
    threads.emplace_back([&, h] {
      h.join();
      if (!finished.load()) ++saw_unfinished;
      ++returned;
    });
  }
  std::this_thread::sleep_for(20ms);
  CHECK(returned.load() == 0);  // nobody returned while the task blocks
  CHECK(!h.done());
  release.open();
  for (auto& t : threads) t.join();
  CHECK(returned.load() == joiners);
  CHECK(saw_unfinished.load() == 0);
}

TEST_CASE("finalizer runs on its own thread while the pool is busy") {
  // One pool thread, held by a stream that waits for the finalizer: if the
  // finalizer were queued on the pool this would deadlock.
  runtime rt(flushcoord::prod::runtime_options{1});
  gate finalizer_ran;
  std::thread::id stream_thread;
  std::thread::id finalizer_thread;
  auto s = rt.spawn(task_kind::stream, "stream", [&] {
    stream_thread = std::this_thread::get_id();
    CHECK(finalizer_ran.wait());
  });
  auto f = rt.spawn(task_kind::finalizer, "finalizer", [&] {
    finalizer_thread = std::this_thread::get_id();
    finalizer_ran.open();
  });
  REQUIRE(join_within(f, 30s));
  REQUIRE(join_within(s, 30s));
  CHECK(stream_thread != finalizer_thread);
  CHECK(finalizer_thread != std::this_thread::get_id());
}

TEST_CASE("finished finalizer threads are reaped and new ones start") {
  runtime rt(flushcoord::prod::runtime_options{1});
  std::atomic<int> runs{0};
  for (int i = 0; i < 50; ++i) {
    rt.spawn(task_kind::finalizer, "finalizer", [&runs] { ++runs; }).join();
  }
  CHECK(runs.load() == 50);
  CHECK(rt.finalizers_unfinished() == 0);
}

TEST_CASE("tasks may spawn tasks") {
  runtime rt(flushcoord::prod::runtime_options{2});
  std::atomic<int> inner_runs{0};
  flushcoord::prod::mutex m;
  std::vector<flushcoord::prod::task_handle> inner;  // guarded by m
  auto outer = rt.spawn(task_kind::stream, "outer", [&] {
    for (int i = 0; i < 8; ++i) {
      auto h = rt.spawn(task_kind::stream, "inner", [&] { ++inner_runs; });
      flushcoord::lock_guard<flushcoord::prod::mutex> hold(m);
      inner.push_back(h);
    }
  });
  outer.join();
  for (auto& h : inner) h.join();
  CHECK(inner_runs.load() == 8);
}

TEST_CASE("now is monotonic and advances") {
  runtime rt;
  const auto a = rt.now();
  std::this_thread::sleep_for(5ms);
  const auto b = rt.now();
  CHECK(a.count() >= 0);
  CHECK(b - a >= 5ms);
}

TEST_CASE("condvar wait_until times out at the deadline") {
  runtime rt;
  flushcoord::prod::mutex m;
  flushcoord::prod::condvar cv;
  flushcoord::lock_guard<flushcoord::prod::mutex> hold(m);
  const auto start = rt.now();
  const auto deadline = start + 30ms;
  bool in_time = true;
  // Spurious wake-ups may return true early; loop until one says timeout.
  while (in_time && rt.now() < deadline + 10s) in_time = cv.wait_until(m, deadline);
  CHECK(!in_time);
  CHECK(rt.now() >= deadline);
  CHECK(rt.now() - start < 10s);
}

TEST_CASE("condvar wait_until with a past deadline returns false at once") {
  runtime rt;
  flushcoord::prod::mutex m;
  flushcoord::prod::condvar cv;
  flushcoord::lock_guard<flushcoord::prod::mutex> hold(m);
  CHECK(!cv.wait_until(m, rt.now() - 1ms));
  CHECK(!cv.wait_until(m, std::chrono::nanoseconds::min()));
  CHECK(m.try_lock() == false);  // still held by this thread
}

TEST_CASE("condvar wait_until returns true when notified before the deadline") {
  runtime rt;
  flushcoord::prod::mutex m;
  flushcoord::prod::condvar cv;
  bool flag = false;  // guarded by m
  auto notifier = rt.spawn(task_kind::stream, "notifier", [&] {
    flushcoord::lock_guard<flushcoord::prod::mutex> hold(m);
    flag = true;
    cv.notify_all();
  });
  {
    flushcoord::lock_guard<flushcoord::prod::mutex> hold(m);
    const auto deadline = rt.now() + 60s;
    bool in_time = true;
    while (!flag && in_time) in_time = cv.wait_until(m, deadline);
    CHECK(flag);
    CHECK(in_time);
  }
  notifier.join();
}

TEST_CASE("condvar wait_until with an unrepresentable deadline waits for notify") {
  runtime rt;
  flushcoord::prod::mutex m;
  flushcoord::prod::condvar cv;
  bool flag = false;  // guarded by m
  auto notifier = rt.spawn(task_kind::stream, "notifier", [&] {
    std::this_thread::sleep_for(5ms);
    flushcoord::lock_guard<flushcoord::prod::mutex> hold(m);
    flag = true;
    cv.notify_one();
  });
  {
    flushcoord::lock_guard<flushcoord::prod::mutex> hold(m);
    while (!flag) CHECK(cv.wait_until(m, std::chrono::nanoseconds::max()));
  }
  notifier.join();
}

TEST_CASE("an on_call_timeout of nanoseconds::max() never leaves a posted stream unstarted") {
  // `now + max()` must neither overflow (UBSan) nor saturate into a pool
  // thread on call for ever, which posts do not wake: it means no on-call
  // sleep. Each stream is posted after the pool thread ran the previous one
  // and parked, with no caller to help.
  runtime rt({.stream_threads = 1,
              .callers_run_streams = true,
              .on_call_timeout = std::chrono::nanoseconds::max()});
  for (int i = 0; i < 3; ++i) {
    auto h = rt.spawn(task_kind::stream, "stream", [] {});
    CHECK(join_within(h, 10000ms));
    std::this_thread::sleep_for(5ms);
  }
}

TEST_CASE("condvar wait wakes on notify_one") {
  runtime rt;
  flushcoord::prod::mutex m;
  flushcoord::prod::condvar cv;
  int stage = 0;  // guarded by m
  auto h = rt.spawn(task_kind::stream, "waiter", [&] {
    flushcoord::lock_guard<flushcoord::prod::mutex> hold(m);
    stage = 1;
    cv.notify_one();
    while (stage != 2) cv.wait(m);
  });
  {
    flushcoord::lock_guard<flushcoord::prod::mutex> hold(m);
    while (stage != 1) cv.wait(m);
    stage = 2;
    cv.notify_one();
  }
  REQUIRE(join_within(h, 30s));
}

TEST_CASE("two notify_one calls in one critical section wake two sleepers") {
  // The prod condvar defers a notify made under the waiters' mutex until the
  // unlock; two of them must still wake two threads, not one.
  runtime rt(flushcoord::prod::runtime_options{2});
  flushcoord::prod::mutex m;
  flushcoord::prod::condvar cv;
  int waiting = 0, tokens = 0;  // guarded by m
  std::vector<flushcoord::prod::task_handle> waiters;
  for (int i = 0; i < 2; ++i) {
    waiters.push_back(rt.spawn(task_kind::finalizer, "waiter", [&] {
      flushcoord::lock_guard<flushcoord::prod::mutex> hold(m);
      ++waiting;
      while (tokens == 0) cv.wait(m);
      --tokens;
    }));
  }
  for (;;) {
    flushcoord::lock_guard<flushcoord::prod::mutex> hold(m);
    if (waiting == 2) break;
  }
  // Give both time to reach the kernel: only then is a lost wake-up lost
  // for good (a waiter still in user space sees the counter move anyway).
  std::this_thread::sleep_for(50ms);
  {
    flushcoord::lock_guard<flushcoord::prod::mutex> hold(m);
    tokens = 2;
    cv.notify_one();
    cv.notify_one();
  }
  for (auto& h : waiters) CHECK(join_within(h, 30s));
  if (!std::all_of(waiters.begin(), waiters.end(), [](auto& h) { return h.done(); })) {
    flushcoord::lock_guard<flushcoord::prod::mutex> hold(m);
    tokens = 2;
    cv.notify_all();  // let the test end
  }
}

TEST_CASE("every queued stream starts while the others block") {
  // N blocking streams on N pool threads must all be running at once. A pool
  // thread that finds work while searching must not strand a second job
  // queued behind it (posts made during a search wake nobody).
  constexpr int threads = 8;
  for (int round = 0; round < 300; ++round) {
    runtime rt(flushcoord::prod::runtime_options{threads});
    std::mutex m;
    std::condition_variable cv;
    int started = 0, gave_up = 0;
    // The thread that ran this is searching for the next job right after:
    // the posts below land during its search.
    rt.spawn(task_kind::stream, "warm-up", [] {}).join();
    std::vector<flushcoord::prod::task_handle> streams;
    for (int i = 0; i < threads; ++i) {
      streams.push_back(rt.spawn(task_kind::stream, "barrier", [&] {
        std::unique_lock<std::mutex> hold(m);
        ++started;
        cv.notify_all();
        // A stranded stream only starts once the others give up and free
        // their threads: that is the failure this counts.
        if (!cv.wait_for(hold, 10s, [&] { return started == threads; })) ++gave_up;
      }));
    }
    for (auto& h : streams) REQUIRE(join_within(h, 60s));
    std::lock_guard<std::mutex> hold(m);
    INFO("round " << round);
    REQUIRE(gave_up == 0);
  }
}

TEST_CASE("destroying the runtime destroys queued unstarted streams exactly once") {
  constexpr std::size_t queued = 64;
  closure_ledger ledger(queued);
  gate blocker_started;
  gate spawned_all;
  std::atomic<bool> intake_closed_seen{false};
  std::vector<flushcoord::prod::task_handle> handles;
  {
    runtime rt(flushcoord::prod::runtime_options{1});
    // The blocker holds the only pool thread until the destructor has closed
    // intake and stopped the pool, which it detects from inside the runtime:
    // a stream spawned then comes back already finished without running.
    handles.push_back(rt.spawn(task_kind::stream, "blocker", [&] {
      blocker_started.open();
      CHECK(spawned_all.wait());
      while (!rt.stopping()) std::this_thread::sleep_for(1ms);
      intake_closed_seen = true;
    }));
    REQUIRE(blocker_started.wait());
    for (std::size_t i = 0; i < queued; ++i) {
      handles.push_back(
          rt.spawn(task_kind::stream, "queued", tracked_closure(ledger, i)));
    }
    for (std::size_t i = 1; i < handles.size(); ++i) CHECK(!handles[i].done());
    spawned_all.open();
  }  // ~runtime: close intake + stop the pool, join, destroy the queue
  CHECK(intake_closed_seen.load());
  for (auto& h : handles) CHECK(h.done());
  flushcoord::lock_guard<flushcoord::prod::mutex> hold(ledger.m);
  for (std::size_t i = 0; i < queued; ++i) {
    CHECK(ledger.invoked[i] == 0);
    CHECK(ledger.destroyed[i] == 1);
  }
}

TEST_CASE("running streams finish before the destructor returns") {
  std::atomic<bool> finished{false};
  gate started;
  auto rt = std::make_unique<runtime>(flushcoord::prod::runtime_options{2});
  rt->spawn(task_kind::stream, "slow", [&] {
    started.open();
    std::this_thread::sleep_for(20ms);
    finished = true;
  });
  REQUIRE(started.wait());
  rt.reset();
  CHECK(finished.load());
}

TEST_CASE("finalizers always run and are joined by the destructor") {
  gate release;
  std::atomic<bool> ran{false};
  flushcoord::prod::task_handle h;
  std::thread opener;
  {
    runtime rt(flushcoord::prod::runtime_options{1});
    h = rt.spawn(task_kind::finalizer, "finalizer", [&] {
      CHECK(release.wait());
      ran = true;
    });
    opener = std::thread([&] {
      std::this_thread::sleep_for(10ms);
      release.open();
    });
  }  // ~runtime joins the finalizer thread
  CHECK(ran.load());
  CHECK(h.done());
  opener.join();
}

TEST_CASE("streams spawned after the destructor closed intake are destroyed unrun") {
  // A finalizer spawns streams while the runtime is being destroyed (it is
  // joined last): none runs, each is destroyed exactly once. Each closure's
  // destructor locks the mutex that the finalizer holds while spawning, as
  // core does, so destroying it inside spawn would deadlock.
  constexpr std::size_t late = 8;
  closure_ledger ledger(late);
  gate release;
  std::vector<flushcoord::prod::task_handle> handles;  // written by the finalizer
  std::thread opener;
  {
    runtime rt(flushcoord::prod::runtime_options{1});
    rt.spawn(task_kind::finalizer, "finalizer", [&] {
      CHECK(release.wait());
      while (!rt.stopping()) std::this_thread::sleep_for(1ms);
      for (std::size_t i = 0; i < late; ++i) {
        flushcoord::lock_guard<flushcoord::prod::mutex> hold(ledger.m);
        handles.push_back(
            rt.spawn(task_kind::stream, "late", tracked_closure(ledger, i)));
      }
    });
    opener = std::thread([&] { release.open(); });
  }
  opener.join();
  REQUIRE(handles.size() == late);
  for (auto& h : handles) CHECK(h.done());
  flushcoord::lock_guard<flushcoord::prod::mutex> hold(ledger.m);
  for (std::size_t i = 0; i < late; ++i) {
    CHECK(ledger.invoked[i] == 0);
    CHECK(ledger.destroyed[i] == 1);
  }
}

TEST_CASE("spawn never destroys the function while its caller holds a lock") {
  // The closure's destructor takes the mutex the spawning thread holds; the
  // policy allows this (core spawns under its own lock).
  closure_ledger ledger(1);
  flushcoord::prod::task_handle h;
  {
    runtime rt(flushcoord::prod::runtime_options{1});
    flushcoord::lock_guard<flushcoord::prod::mutex> hold(ledger.m);
    h = rt.spawn(task_kind::stream, "locked", tracked_closure(ledger, 0));
  }
  h.join();
  flushcoord::lock_guard<flushcoord::prod::mutex> hold(ledger.m);
  CHECK(ledger.destroyed[0] == 1);
  CHECK(ledger.invoked[0] <= 1);
}

TEST_CASE("user executor: streams run on the caller's io_context") {
  boost::asio::io_context io;
  auto work = boost::asio::make_work_guard(io);
  std::thread runner([&io] { io.run(); });
  {
    runtime rt(io.get_executor());
    std::atomic<int> runs{0};
    std::thread::id where;
    auto h = rt.spawn(task_kind::stream, "stream", [&] {
      where = std::this_thread::get_id();
      ++runs;
    });
    h.join();
    CHECK(runs.load() == 1);
    CHECK(where == runner.get_id());
  }
  work.reset();
  runner.join();
}

TEST_CASE("user executor: destroying the io_context destroys queued streams once") {
  constexpr std::size_t queued = 16;
  closure_ledger ledger(queued);
  std::vector<flushcoord::prod::task_handle> handles;
  auto io = std::make_unique<boost::asio::io_context>();
  {
    runtime rt(io->get_executor());
    for (std::size_t i = 0; i < queued; ++i) {
      handles.push_back(
          rt.spawn(task_kind::stream, "queued", tracked_closure(ledger, i)));
    }
    for (auto& h : handles) CHECK(!h.done());
    CHECK(rt.streams_unfinished() == queued);
    io.reset();  // never run: Asio destroys the handlers
    for (auto& h : handles) CHECK(h.done());
    CHECK(rt.streams_unfinished() == 0);
  }  // ~runtime has nothing left to wait for
  flushcoord::lock_guard<flushcoord::prod::mutex> hold(ledger.m);
  for (std::size_t i = 0; i < queued; ++i) {
    CHECK(ledger.invoked[i] == 0);
    CHECK(ledger.destroyed[i] == 1);
  }
}

TEST_CASE("an idle runtime uses no CPU") {
  runtime rt(flushcoord::prod::runtime_options{4});
  gate release;
  // A finalizer blocked on a gate and an idle pool: nothing should spin.
  auto f = rt.spawn(task_kind::finalizer, "idle", [&] { CHECK(release.wait()); });
  rt.spawn(task_kind::stream, "warm-up", [] {}).join();
  const auto cpu_before = process_cpu_time();
  std::this_thread::sleep_for(500ms);
  const auto cpu_used = process_cpu_time() - cpu_before;
  release.open();
  f.join();
  // A single spinning thread would burn ~500 ms; sanitizer runtimes have
  // background threads that use a little.
  CHECK(cpu_used < 100ms);
}

namespace {

struct counting_engine {
  using rotated_state = int;
  using outcome = int;
  using snapshot_id = int;
  flushcoord::result<int> finalize(std::uint64_t, const int&, int&& out) { return out; }
  void finalize_failure(std::uint64_t, const int&, const flushcoord::flush_error&) {}
};
using counting_coordinator = flushcoord::coordinator<runtime, counting_engine>;

}  // namespace

TEST_CASE("the runtime counts its open coordinators: close, shutdown and destruction each close one") {
  // The count is what lets ~runtime refuse to hang on an open coordinator
  // (runtime.hpp, Lifetime; the death test is runtime_destroyed_while_open).
  runtime rt(flushcoord::prod::runtime_options{1});
  CHECK(rt.coordinators_open() == 0);
  auto a = std::make_unique<counting_coordinator>(rt, counting_engine{}, flushcoord::options{});
  auto b = std::make_unique<counting_coordinator>(rt, counting_engine{}, flushcoord::options{});
  auto c = std::make_unique<counting_coordinator>(rt, counting_engine{}, flushcoord::options{});
  CHECK(rt.coordinators_open() == 3);
  a->close();
  a->close();  // idempotent: counted once
  CHECK(rt.coordinators_open() == 2);
  b->shutdown();
  b->shutdown();
  CHECK(rt.coordinators_open() == 1);
  c.reset();  // the destructor closes
  CHECK(rt.coordinators_open() == 0);
  a->shutdown();  // closed already: no change
  CHECK(rt.coordinators_open() == 0);
  a.reset();
  b.reset();
  CHECK(rt.coordinators_open() == 0);
}

TEST_CASE("runtime_options out of range are refused with the field's name") {
  using flushcoord::prod::runtime_options;
  CHECK_THROWS_WITH_AS(runtime(runtime_options{.stream_threads = static_cast<std::size_t>(-1)}),
                       doctest::Contains("stream_threads must be at most 4096"), flushcoord::usage_error);
  CHECK_THROWS_WITH_AS(runtime(runtime_options{.on_call_timeout = -1ns}),
                       doctest::Contains("on_call_timeout must be >= 0 (got -1ns)"), flushcoord::usage_error);
  CHECK_THROWS_WITH_AS(runtime(runtime_options{.short_stream = -5us}),
                       doctest::Contains("short_stream must be >= 0"), flushcoord::usage_error);
  CHECK_NOTHROW(runtime(runtime_options{.stream_threads = 2, .on_call_timeout = 0ns, .short_stream = 0ns}));
}

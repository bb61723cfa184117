// Mutexes and condition variables under random schedules.
#include <doctest/doctest.h>

#include <cstdint>
#include <vector>

#include "flushcoord/sim/runtime.hpp"

namespace fs = flushcoord::sim;
using flushcoord::task_kind;

namespace {

/// Runs `body` once per seed in [0, seeds) and requires every run to pass.
template <class Body>
void for_seeds(std::uint64_t seeds, Body body) {
  for (std::uint64_t seed = 0; seed < seeds; ++seed) {
    fs::simulator sim(fs::config{.seed = seed});
    const fs::run_result r = sim.run([&] { body(sim); });
    INFO("seed " << seed);
    if (r.failed) FAIL_CHECK(r.failed->message << "\n" << r.failed->report);
  }
}

}  // namespace

TEST_CASE("a mutex admits one task at a time under random schedules") {
  for_seeds(200, [](fs::simulator& sim) {
    fs::runtime rt;
    fs::mutex m;
    int inside = 0;
    int total = 0;
    std::vector<fs::task_handle> tasks;
    for (int i = 0; i < 4; ++i) {
      tasks.push_back(rt.spawn(task_kind::stream, "worker", [&] {
        for (int k = 0; k < 5; ++k) {
          m.lock();
          ++inside;
          if (inside != 1) sim.fail(fs::failure_class::property, "two tasks inside the mutex");
          rt.yield();  // invite another task in while we hold the lock
          --inside;
          ++total;
          m.unlock();
        }
      }));
    }
    for (auto& t : tasks) t.join();
    if (total != 20) sim.fail(fs::failure_class::property, "lost increments");
  });
}

TEST_CASE("the mutex really blocks: without it the same workload interleaves") {
  // Guards against a runtime whose yield never switches: the unlocked
  // version must be caught for some seed.
  bool overlapped = false;
  for (std::uint64_t seed = 0; seed < 50 && !overlapped; ++seed) {
    fs::simulator sim(fs::config{.seed = seed});
    sim.run([&] {
      fs::runtime rt;
      int inside = 0;
      auto body = [&] {
        ++inside;
        if (inside > 1) overlapped = true;
        rt.yield();
        --inside;
      };
      auto a = rt.spawn(task_kind::stream, "a", body);
      auto b = rt.spawn(task_kind::stream, "b", body);
      a.join();
      b.join();
    });
  }
  CHECK(overlapped);
}

TEST_CASE("condvar: a waiter is woken by notify_one and sees the state") {
  for_seeds(100, [](fs::simulator& sim) {
    fs::runtime rt;
    fs::mutex m;
    fs::condvar cv;
    bool ready = false;
    int seen = 0;
    auto consumer = rt.spawn(task_kind::finalizer, "consumer", [&] {
      m.lock();
      while (!ready) cv.wait(m);
      seen = 1;
      m.unlock();
    });
    auto producer = rt.spawn(task_kind::stream, "producer", [&] {
      m.lock();
      ready = true;
      cv.notify_one();
      m.unlock();
    });
    producer.join();
    consumer.join();
    if (seen != 1) sim.fail(fs::failure_class::property, "consumer did not run");
  });
}

TEST_CASE("condvar: notify_all wakes every waiter") {
  for_seeds(100, [](fs::simulator& sim) {
    fs::runtime rt;
    fs::mutex m;
    fs::condvar cv;
    bool go = false;
    int woke = 0;
    std::vector<fs::task_handle> waiters;
    for (int i = 0; i < 3; ++i) {
      waiters.push_back(rt.spawn(task_kind::stream, "waiter", [&] {
        m.lock();
        while (!go) cv.wait(m);
        ++woke;
        m.unlock();
      }));
    }
    m.lock();
    go = true;
    cv.notify_all();
    m.unlock();
    for (auto& w : waiters) w.join();
    if (woke != 3) sim.fail(fs::failure_class::property, "not every waiter woke");
  });
}

TEST_CASE("join waits for the task and done reports it") {
  for_seeds(50, [](fs::simulator& sim) {
    fs::runtime rt;
    bool ran = false;
    auto h = rt.spawn(task_kind::stream, "child", [&] {
      rt.yield();
      ran = true;
    });
    auto copy = h;  // handles are copyable; both may join
    auto second = rt.spawn(task_kind::stream, "second-joiner", [copy]() mutable { copy.join(); });
    h.join();
    if (!ran || !h.done()) sim.fail(fs::failure_class::property, "join returned early");
    second.join();
    CHECK(sim.task(h.id()).finished);
    CHECK(sim.task(h.id()).started);
  });
}

TEST_CASE("current_task_name names the running task") {
  fs::simulator sim;
  std::string_view main_name, child_name;
  const auto r = sim.run([&] {
    fs::runtime rt;
    main_name = rt.current_task_name();
    rt.spawn(task_kind::stream, "child", [&] { child_name = rt.current_task_name(); }).join();
  });
  CHECK(r.ok());
  CHECK(main_name == "main");
  CHECK(child_name == "child");
}

TEST_CASE("primitives used outside a run throw logic_error") {
  fs::mutex m;
  CHECK_THROWS_AS(m.lock(), std::logic_error);
  fs::runtime rt;
  CHECK_THROWS_AS((void)rt.now(), std::logic_error);
}

// Failure detection (deadlock, budgets, properties, exceptions) and clean
// abandonment of a failed run.
#include <doctest/doctest.h>

#include <memory>
#include <stdexcept>
#include <string>
#include <vector>

#include <flushcoord/coordinator.hpp>

#include "flushcoord/sim/runtime.hpp"
#include "echo_engine.hpp"

namespace fs = flushcoord::sim;
using flushcoord::task_kind;
using namespace std::chrono_literals;

namespace {

bool contains(const std::string& haystack, const std::string& needle) {
  return haystack.find(needle) != std::string::npos;
}

/// Counts live instances, to prove that abandoned stacks were unwound.
struct tracked {
  static inline int live = 0;
  tracked() { ++live; }
  tracked(const tracked&) { ++live; }
  ~tracked() { --live; }
};

}  // namespace

TEST_CASE("deadlock: two tasks locking two mutexes in opposite order") {
  bool found = false;
  for (std::uint64_t seed = 0; seed < 100 && !found; ++seed) {
    fs::simulator sim(fs::config{.seed = seed});
    const auto r = sim.run([&] {
      fs::runtime rt;
      fs::mutex a, b;
      auto t1 = rt.spawn(task_kind::stream, "ab", [&] {
        a.lock();
        b.lock();
        b.unlock();
        a.unlock();
      });
      auto t2 = rt.spawn(task_kind::stream, "ba", [&] {
        b.lock();
        a.lock();
        a.unlock();
        b.unlock();
      });
      t1.join();
      t2.join();
    });
    if (!r.failed) continue;
    found = true;
    CHECK(r.failed->what == fs::failure_class::deadlock);
    const std::string& rep = r.failed->report;
    INFO(rep);
    CHECK(contains(rep, "ab#1 (stream): waits on mutex#2 held by ba#2"));
    CHECK(contains(rep, "ba#2 (stream): waits on mutex#1 held by ab#1"));
    CHECK(contains(rep, "main#0 (program): waits on join of ab#1"));
  }
  CHECK(found);
}

TEST_CASE("deadlock: waiting on a condvar that nobody notifies") {
  fs::simulator sim;
  const auto r = sim.run([&] {
    fs::runtime rt;
    fs::mutex m;
    fs::condvar cv;
    rt.spawn(task_kind::finalizer, "finalizer", [&] {
      m.lock();
      cv.wait(m);
      m.unlock();
    }).join();
  });
  REQUIRE(r.failed);
  CHECK(r.failed->what == fs::failure_class::deadlock);
  CHECK(contains(r.failed->report, "finalizer#1 (finalizer): waits on condvar#1"));
  CHECK(contains(r.failed->report, "main#0 (program): waits on join of finalizer#1"));
}

TEST_CASE("deadlock reports call named objects and program tasks by their names") {
  fs::simulator sim;
  const auto r = sim.run([&] {
    fs::runtime rt;
    fs::mutex flush_lock("engine.flush_lock");
    fs::mutex m;
    fs::condvar progress("coordinator.progress");
    flush_lock.lock();
    auto waiter = rt.spawn("drain", [&] {
      m.lock();
      progress.wait(m);
      m.unlock();
    });
    auto writer = rt.spawn("writer", [&] {
      flush_lock.lock();
      flush_lock.unlock();
    });
    writer.join();
    waiter.join();
  });
  REQUIRE(r.failed);
  CHECK(r.failed->what == fs::failure_class::deadlock);
  INFO(r.failed->report);
  CHECK(contains(r.failed->report, "writer#2 (program): waits on engine.flush_lock held by main#0"));
  CHECK(contains(r.failed->report, "drain#1 (program): waits on coordinator.progress\n"));
  CHECK(contains(r.failed->report, "main#0 (program): waits on join of writer#2"));
}

TEST_CASE("deadlock: relocking a non-recursive mutex names the owner itself") {
  fs::simulator sim;
  const auto r = sim.run([&] {
    fs::mutex m;
    m.lock();
    m.lock();
  });
  REQUIRE(r.failed);
  CHECK(r.failed->what == fs::failure_class::deadlock);
  CHECK(contains(r.failed->report, "main#0 (program): waits on mutex#1 held by main#0"));
}

TEST_CASE("step budget: two tasks spinning with yield are reported as a hang") {
  fs::simulator sim(fs::config{.steps_max = 10'000});
  const auto r = sim.run([&] {
    fs::runtime rt;
    bool flag = false;  // nobody ever sets it: a livelock
    auto spin = [&] {
      while (!flag) rt.yield();
    };
    auto a = rt.spawn(task_kind::stream, "spinner-a", spin);
    auto b = rt.spawn(task_kind::stream, "spinner-b", spin);
    a.join();
    b.join();
  });
  REQUIRE(r.failed);
  CHECK(r.failed->what == fs::failure_class::step_budget);
  CHECK(r.steps == 10'001);
  CHECK(contains(r.failed->report, "spinner-a#1"));
  CHECK(contains(r.failed->report, "spinner-b#2"));
}

TEST_CASE("property failure from a checker stops the run with its message") {
  fs::simulator sim;
  bool continued_after_point = false;
  const auto r = sim.run([&] {
    fs::runtime rt;
    sim.fail(fs::failure_class::property, "ordered finalize violated");
    rt.yield();  // the run stops here
    continued_after_point = true;
  });
  REQUIRE(r.failed);
  CHECK(r.failed->what == fs::failure_class::property);
  CHECK(r.failed->message == "ordered finalize violated");
  CHECK_FALSE(continued_after_point);
  CHECK(fs::exit_code(fs::failure_class::property) != fs::exit_code(fs::failure_class::deadlock));
}

TEST_CASE("an exception escaping a task fails the run as uncaught_exception") {
  fs::simulator sim;
  const auto r = sim.run([&] {
    fs::runtime rt;
    rt.spawn(task_kind::stream, "thrower", [] { throw std::runtime_error("boom"); }).join();
  });
  REQUIRE(r.failed);
  CHECK(r.failed->what == fs::failure_class::uncaught_exception);
  CHECK(r.failed->message == "thrower#1 threw: boom");
}

TEST_CASE("unlocking a mutex held by another task is a property failure") {
  fs::simulator sim;
  const auto r = sim.run([&] {
    fs::runtime rt;
    fs::mutex m;
    m.lock();
    rt.spawn(task_kind::stream, "intruder", [&] { m.unlock(); }).join();
    m.unlock();
  });
  REQUIRE(r.failed);
  CHECK(r.failed->what == fs::failure_class::property);
  CHECK(contains(r.failed->message, "intruder#1 unlocked mutex#1"));
}

TEST_CASE("abandoning a failed run unwinds every stack and destroys every closure") {
  // Under ASan, the leak checker also verifies that nothing was leaked.
  tracked::live = 0;
  {
    fs::simulator sim(fs::config{.seed = 3});
    const auto r = sim.run([&] {
      fs::runtime rt;
      fs::mutex m;
      fs::condvar cv;
      auto on_heap = std::make_unique<std::vector<int>>(1000, 7);
      tracked in_main;
      // Blocked on a condvar, holding heap memory and a tracked local.
      rt.spawn(task_kind::finalizer, "waiter", [&, t = tracked{}] {
        auto mine = std::make_unique<std::string>(500, 'x');
        tracked local;
        m.lock();
        for (;;) cv.wait(m);
      });
      // Asleep far in the future.
      rt.spawn(task_kind::stream, "sleeper", [&, t = tracked{}] {
        tracked local;
        rt.sleep_for(1h);
      });
      // Never started: the closure must still be destroyed.
      rt.spawn(task_kind::stream, "unstarted", [t = tracked{}, p = std::make_shared<int>(1)] {});
      // A destructor that takes a sim mutex while the run is abandoned.
      struct locks_on_destroy {
        fs::mutex* m;
        tracked t;
        ~locks_on_destroy() {
          m->lock();
          m->unlock();
        }
      };
      rt.spawn(task_kind::stream, "dtor-locker",
               [d = std::make_shared<locks_on_destroy>(locks_on_destroy{&m, {}})] {});
      sim.fail(fs::failure_class::property, "stop here");
      rt.yield();
    });
    REQUIRE(r.failed);
    CHECK(r.failed->message == "stop here");
    CHECK(sim.live_tasks() == 0);
    for (std::size_t i = 0; i < sim.task_count(); ++i) {
      CHECK(sim.task(static_cast<fs::task_id>(i)).finished);
    }
  }
  CHECK(tracked::live == 0);
}

TEST_CASE("a task that swallows aborted still ends: blocking calls throw again") {
  fs::simulator sim;
  int caught = 0;
  bool started = false;
  const auto r = sim.run([&] {
    fs::runtime rt;
    rt.spawn(task_kind::stream, "stubborn", [&] {
      started = true;
      for (int i = 0; i < 3; ++i) {
        try {
          rt.sleep_for(1h);
        } catch (...) {
          ++caught;  // swallowed; the next sleep throws again
        }
      }
    });
    while (!started) rt.yield();
    sim.fail(fs::failure_class::property, "stop");
    rt.yield();
  });
  REQUIRE(r.failed);
  CHECK(caught == 3);
}

TEST_CASE("after an abandoned run the same simulator runs the next one fresh") {
  fs::simulator sim;
  const auto bad = sim.run([] {
    fs::mutex m;
    m.lock();
    m.lock();
  });
  CHECK(bad.failed);
  const auto good = sim.run([] {
    fs::runtime rt;
    rt.sleep_for(1ms);
  });
  CHECK(good.ok());
}

namespace {

/// Checks "join returned implies the joined task finished" from events.
struct join_checker final : fs::observer {
  int starts = 0;
  int finishes = 0;
  void on_event(const fs::simulator& sim, const fs::event& e) override {
    if (e.kind == fs::event_kind::start) ++starts;
    if (e.kind == fs::event_kind::finish) {
      ++finishes;
      CHECK(sim.task(e.task).finished);
    }
  }
};

}  // namespace

TEST_CASE("observers see task starts and ends and live_tasks counts the living") {
  fs::simulator sim;
  join_checker checker;
  sim.add_observer(checker);
  std::size_t live_during = 0, live_after = 0;
  const auto r = sim.run([&] {
    fs::runtime rt;
    auto a = rt.spawn(task_kind::stream, "a", [&] { rt.sleep_for(1ms); });
    auto b = rt.spawn(task_kind::stream, "b", [&] { rt.sleep_for(2ms); });
    live_during = sim.live_tasks();
    a.join();
    b.join();
    live_after = sim.live_tasks();
  });
  CHECK(r.ok());
  CHECK(live_during == 3);
  CHECK(live_after == 1);  // main itself
  CHECK(checker.starts == 3);
  CHECK(checker.finishes == 3);
}

namespace {
using flushcoord_sim_tests::echo_engine;
}  // namespace

TEST_CASE("abandoning a run does not throw out of the coordinator's destructors") {
  // A task fails the run while the writer is between an unlock and the
  // destructor of a refused rotate's permit, which locks again. Abandoning
  // the run must not throw sim::aborted out of that destructor (that is
  // std::terminate): the simulator takes a free mutex without throwing,
  // and core destructors never throw. A crash here fails the test binary.
  int failed = 0;
  for (std::uint64_t seed = 0; seed < 300; ++seed) {
    fs::simulator sim(fs::config{.seed = seed});
    const auto r = sim.run([&] {
      fs::runtime rt;
      flushcoord::coordinator<fs::runtime, echo_engine> c(rt, echo_engine{},
                                                          {.max_pending_flushes = 2});
      rt.spawn(task_kind::stream, "failer", [&] {
        sim.fail(fs::failure_class::property, "stop here");
        rt.yield();
      });
      auto p = c.try_acquire_permit();
      c.close();
      if (p.ok()) {
        auto refused = c.rotate(std::move(p).value(), 1);
        CHECK_FALSE(refused.ok());
      }
      c.shutdown();
    });
    failed += r.failed ? 1 : 0;
  }
  CHECK(failed == 300);  // every run was failed on purpose, and abandoned cleanly
}

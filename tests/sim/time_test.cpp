// Virtual time: sleeps, timed waits, stop tokens.
#include <doctest/doctest.h>

#include <chrono>
#include <stop_token>
#include <vector>

#include "flushcoord/sim/runtime.hpp"

namespace fs = flushcoord::sim;
using flushcoord::task_kind;
using namespace std::chrono_literals;

TEST_CASE("sleep_for advances virtual time exactly without waiting") {
  fs::simulator sim;
  std::chrono::nanoseconds after{-1};
  const auto r = sim.run([&] {
    fs::runtime rt;
    rt.sleep_for(1h);  // an hour of virtual time costs nothing
    after = rt.now();
  });
  CHECK(r.ok());
  CHECK(after == 1h);
  CHECK(r.end_time == 1h);
}

TEST_CASE("timers fire in deadline order with ties in registration order") {
  for (std::uint64_t seed = 0; seed < 30; ++seed) {
    fs::simulator sim(fs::config{.seed = seed});
    std::vector<int> order;
    const auto r = sim.run([&] {
      fs::runtime rt;
      auto a = rt.spawn(task_kind::stream, "late", [&] {
        rt.sleep_for(30ns);
        order.push_back(30);
      });
      auto b = rt.spawn(task_kind::stream, "early", [&] {
        rt.sleep_for(10ns);
        order.push_back(10);
      });
      auto c = rt.spawn(task_kind::stream, "middle", [&] {
        rt.sleep_for(20ns);
        order.push_back(20);
      });
      a.join();
      b.join();
      c.join();
    });
    CHECK(r.ok());
    CHECK(order == std::vector<int>{10, 20, 30});
  }
}

TEST_CASE("wait_until times out in virtual time and returns false") {
  fs::simulator sim;
  bool notified = true;
  std::chrono::nanoseconds woke_at{};
  const auto r = sim.run([&] {
    fs::runtime rt;
    fs::mutex m;
    fs::condvar cv;
    m.lock();
    notified = cv.wait_until(m, rt.now() + 5ms);
    woke_at = rt.now();
    m.unlock();
  });
  CHECK(r.ok());
  CHECK_FALSE(notified);
  CHECK(woke_at == 5ms);
}

TEST_CASE("wait_until with a past deadline returns false at once") {
  fs::simulator sim;
  const auto r = sim.run([&] {
    fs::runtime rt;
    fs::mutex m;
    fs::condvar cv;
    rt.sleep_for(10ns);
    m.lock();
    CHECK_FALSE(cv.wait_until(m, 5ns));
    CHECK(rt.now() == 10ns);
    m.unlock();
  });
  CHECK(r.ok());
}

TEST_CASE("wait_until notified before its deadline returns true and its timer goes stale") {
  for (std::uint64_t seed = 0; seed < 50; ++seed) {
    fs::simulator sim(fs::config{.seed = seed});
    bool result = false;
    std::chrono::nanoseconds woke_at{};
    const auto r = sim.run([&] {
      fs::runtime rt;
      fs::mutex m;
      fs::condvar cv;
      bool flag = false;
      auto notifier = rt.spawn(task_kind::stream, "notifier", [&] {
        rt.sleep_for(1ms);
        m.lock();
        flag = true;
        cv.notify_one();
        m.unlock();
      });
      m.lock();
      result = true;
      while (!flag && result) result = cv.wait_until(m, 1s);
      woke_at = rt.now();
      m.unlock();
      notifier.join();
      rt.sleep_for(2s);  // the stale 1s timer must not disturb this sleep
    });
    CHECK(r.ok());
    CHECK(result);
    CHECK(woke_at == 1ms);
    CHECK(r.end_time == 1ms + 2s);
  }
}

TEST_CASE("sleep_for with a stop token wakes early on request_stop") {
  fs::simulator sim;
  std::chrono::nanoseconds woke_at{};
  const auto r = sim.run([&] {
    fs::runtime rt;
    std::stop_source src;
    auto sleeper = rt.spawn(task_kind::stream, "sleeper", [&, tok = src.get_token()] {
      rt.sleep_for(1h, tok);
      woke_at = rt.now();
    });
    rt.sleep_for(3s);
    src.request_stop();
    sleeper.join();
  });
  CHECK(r.ok());
  CHECK(woke_at == 3s);
}

TEST_CASE("sleep_for with an already stopped token returns at once") {
  fs::simulator sim;
  const auto r = sim.run([&] {
    fs::runtime rt;
    std::stop_source src;
    src.request_stop();
    rt.sleep_for(1h, src.get_token());
    CHECK(rt.now() == 0ns);
  });
  CHECK(r.ok());
}

TEST_CASE("time budget: a run that sleeps past virtual_time_max fails as time_budget") {
  fs::simulator sim(fs::config{.virtual_time_max = 10s});
  const auto r = sim.run([&] {
    fs::runtime rt;
    for (;;) rt.sleep_for(1s);
  });
  REQUIRE(r.failed);
  CHECK(r.failed->what == fs::failure_class::time_budget);
  CHECK(r.failed->report.find("main#0 (program): sleeps until 11000000000ns") !=
        std::string::npos);
}

TEST_CASE("sleep_for at 1 ns, 100 years and nanoseconds::max() keeps its meaning") {
  // A sleep's deadline saturates instead of wrapping into the past (SPEC
  // §2.7): at t = 1 ms, max() would overflow. Each long sleep is cut short
  // by its stop token at t = 1 ms + 3 s.
  const auto hundred_years =
      std::chrono::duration_cast<std::chrono::nanoseconds>(std::chrono::years(100));
  for (const auto d : {hundred_years, std::chrono::nanoseconds::max()}) {
    CAPTURE(d.count());
    fs::simulator sim;
    std::chrono::nanoseconds tiny_woke_at{}, woke_at{};
    const auto r = sim.run([&] {
      fs::runtime rt;
      rt.sleep_for(1ms - 1ns);
      rt.sleep_for(1ns);
      tiny_woke_at = rt.now();
      std::stop_source src;
      auto sleeper = rt.spawn(task_kind::stream, "sleeper", [&, tok = src.get_token()] {
        rt.sleep_for(d, tok);
        woke_at = rt.now();
      });
      rt.sleep_for(3s);
      src.request_stop();
      sleeper.join();
    });
    CHECK(r.ok());
    CHECK(tiny_woke_at == 1ms);
    CHECK(woke_at == 1ms + 3s);
  }
}

// stop_unstarted_streams: unstarted streams are destroyed unrun, on a fiber.
#include <doctest/doctest.h>

#include <memory>
#include <vector>

#include "flushcoord/sim/runtime.hpp"

namespace fs = flushcoord::sim;
using flushcoord::task_kind;

namespace {

/// Records, in its destructor, that it was destroyed and on which task;
/// it locks a sim mutex there, which only works on a fiber.
struct guard {
  fs::mutex* m;
  std::vector<std::string>* log;
  bool moved_from = false;
  guard(fs::mutex* mm, std::vector<std::string>* l) : m(mm), log(l) {}
  guard(guard&& o) noexcept : m(o.m), log(o.log) { o.moved_from = true; }
  ~guard() {
    if (moved_from) return;
    m->lock();
    log->push_back(std::string(fs::runtime{}.current_task_name()));
    m->unlock();
  }
};

}  // namespace

TEST_CASE("stop_unstarted_streams destroys unstarted streams unrun inside their own fiber") {
  fs::simulator sim;
  std::vector<std::string> destroyed;
  int ran = 0;
  const auto r = sim.run([&] {
    fs::runtime rt;
    fs::mutex m;
    std::vector<fs::task_handle> hs;
    // Spawned and immediately stopped: with the default seed some may have
    // started at the spawn's scheduling point; count what happened.
    for (int i = 0; i < 4; ++i) {
      hs.push_back(rt.spawn(task_kind::stream, "stream", [&ran, g = guard(&m, &destroyed)] {
        ++ran;
      }));
    }
    hs.push_back(rt.spawn(task_kind::finalizer, "finalizer", [&ran, g = guard(&m, &destroyed)] {
      ++ran;
    }));
    rt.stop_unstarted_streams();
    // Streams spawned after the stop are dropped too.
    hs.push_back(rt.spawn(task_kind::stream, "late-stream", [&ran, g = guard(&m, &destroyed)] {
      ++ran;
    }));
    for (auto& h : hs) h.join();
    for (auto& h : hs) CHECK(h.done());
    int dropped = 0, started_streams = 0;
    for (auto& h : hs) {
      const fs::task_info info = sim.task(h.id());
      CHECK(info.finished);
      if (info.dropped) {
        ++dropped;
        CHECK(info.kind == task_kind::stream);
      } else if (info.kind == task_kind::stream) {
        ++started_streams;
      }
    }
    CHECK(sim.task(hs.back().id()).dropped);       // the late stream
    CHECK_FALSE(sim.task(hs[4].id()).dropped);     // the finalizer always runs
    CHECK(ran == 1 + started_streams);
    CHECK(dropped == 5 - started_streams);
  });
  REQUIRE(r.ok());
  // Every closure was destroyed exactly once, each on its own task's fiber.
  CHECK(destroyed.size() == 6);
  for (const auto& name : destroyed) CHECK(name != "main");
}

TEST_CASE("stop_unstarted_streams drops every unstarted stream in some schedule") {
  // Over seeds, at least one schedule drops both before either starts, and
  // at least one lets some start: both paths are exercised.
  bool all_dropped = false, some_ran = false;
  for (std::uint64_t seed = 0; seed < 100; ++seed) {
    fs::simulator sim(fs::config{.seed = seed});
    int ran = 0;
    REQUIRE(sim.run([&] {
      fs::runtime rt;
      std::vector<fs::task_handle> hs;
      for (int i = 0; i < 2; ++i) hs.push_back(rt.spawn(task_kind::stream, "s", [&] { ++ran; }));
      rt.stop_unstarted_streams();
      for (auto& h : hs) h.join();
    }).ok());
    all_dropped |= ran == 0;
    some_ran |= ran > 0;
  }
  CHECK(all_dropped);
  CHECK(some_ran);
}

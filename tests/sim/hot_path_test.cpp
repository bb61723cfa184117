// The hot path does not allocate, and stacks are reused across runs.
#include <doctest/doctest.h>

#include <cstdlib>
#include <new>

#include "flushcoord/sim/runtime.hpp"

namespace fs = flushcoord::sim;
using flushcoord::task_kind;

namespace {
// Counts every global allocation in this test binary while `counting`.
bool counting = false;
std::size_t allocations = 0;
}  // namespace

void* operator new(std::size_t n) {
  if (counting) ++allocations;
  if (void* p = std::malloc(n == 0 ? 1 : n)) return p;
  throw std::bad_alloc();
}
void operator delete(void* p) noexcept { std::free(p); }
void operator delete(void* p, std::size_t) noexcept { std::free(p); }

TEST_CASE("scheduling points do not allocate") {
  fs::simulator sim(fs::config{.seed = 4});
  std::size_t during = 0;
  const auto r = sim.run([&] {
    fs::runtime rt;
    fs::mutex m;
    fs::condvar cv;
    auto spin = [&] {
      m.lock();  // first use of m and cv happens before counting starts
      cv.notify_all();
      m.unlock();
      for (int i = 0; i < 2000; ++i) {
        m.lock();
        cv.notify_one();
        m.unlock();
        rt.yield();
      }
    };
    auto a = rt.spawn(task_kind::stream, "a", spin);
    auto b = rt.spawn(task_kind::stream, "b", spin);
    rt.yield();
    allocations = 0;
    counting = true;
    for (int i = 0; i < 1000; ++i) {
      m.lock();
      m.unlock();
      rt.sleep_for(std::chrono::nanoseconds(1));
    }
    a.join();
    b.join();
    counting = false;
    during = allocations;
  });
  REQUIRE(r.ok());
  CHECK(r.decisions > 1000);
  CHECK(during == 0);
}

TEST_CASE("a shared stack pool serves many runs without mapping more stacks") {
  fs::stack_pool pool(64 * 1024);
  for (std::uint64_t seed = 0; seed < 20; ++seed) {
    fs::simulator sim(fs::config{.seed = seed, .stacks = &pool});
    REQUIRE(sim.run([] {
      fs::runtime rt;
      auto a = rt.spawn(task_kind::stream, "a", [&] { rt.yield(); });
      auto b = rt.spawn(task_kind::stream, "b", [&] { rt.yield(); });
      a.join();
      b.join();
    }).ok());
  }
  CHECK(pool.mapped() <= 3);
}

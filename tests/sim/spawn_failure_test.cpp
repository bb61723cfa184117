// The coordinator on a sim runtime whose stream spawn fails on demand, over
// several schedules: spawn_stream rethrows, the flush fails as
// errc::never_ran in order, later flushes finalize, shutdown returns. Before
// the fix the task destroyed unrun re-locked the coordinator's mutex inside
// spawn_stream, which the simulator reports as a deadlock.
#include <doctest/doctest.h>

#include <new>
#include <stdexcept>
#include <string>
#include <type_traits>
#include <vector>

#include <flushcoord/coordinator.hpp>

#include "flushcoord/sim/runtime.hpp"

namespace fs = flushcoord::sim;
using flushcoord::errc;
using flushcoord::task_kind;

namespace {

enum class spawn_failure { none, before_taking, after_taking };

/// The sim runtime, except that the next stream spawn fails on demand:
/// before taking the function, or after (spawn then destroys it).
class failing_spawn_runtime {
 public:
  using mutex = fs::mutex;
  using condvar = fs::condvar;
  using task_handle = fs::task_handle;
  using ref_count = fs::ref_count;

  std::chrono::nanoseconds now() const { return inner_.now(); }

  template <class F>
  task_handle spawn(task_kind kind, const char* name, F&& f) {
    if (kind == task_kind::stream) {
      const spawn_failure how = std::exchange(next_, spawn_failure::none);
      if (how == spawn_failure::before_taking) throw std::runtime_error("cannot post");
      if (how == spawn_failure::after_taking) {
        std::decay_t<F> taken(std::forward<F>(f));
        throw std::bad_alloc();
      }
    }
    return inner_.spawn(kind, name, std::forward<F>(f));
  }

  void fail_next_stream(spawn_failure how) { next_ = how; }

 private:
  fs::runtime inner_;
  spawn_failure next_ = spawn_failure::none;
};

static_assert(flushcoord::runtime_policy<failing_spawn_runtime>);

/// Records the order of finalize (seq) and finalize_failure (seq, code).
struct recording_engine {
  using rotated_state = int;
  using outcome = int;
  using snapshot_id = int;
  std::vector<std::pair<std::uint64_t, std::optional<errc>>>* calls;
  flushcoord::result<int> finalize(std::uint64_t seq, const int&, int&& o) {
    calls->emplace_back(seq, std::nullopt);
    return o;
  }
  void finalize_failure(std::uint64_t seq, const int&, const flushcoord::flush_error& e) {
    calls->emplace_back(seq, e.code);
  }
};

using failing_coordinator = flushcoord::coordinator<failing_spawn_runtime, recording_engine>;

flushcoord::result<int> seven(const int&, std::stop_token) { return 7; }

}  // namespace

TEST_CASE("sim: a spawn that throws fails its flush as never_ran and nothing wedges") {
  for (const auto how : {spawn_failure::before_taking, spawn_failure::after_taking}) {
    for (std::uint64_t seed = 0; seed < 20; ++seed) {
      CAPTURE(static_cast<int>(how));
      CAPTURE(seed);
      std::vector<std::pair<std::uint64_t, std::optional<errc>>> calls;
      fs::simulator sim(fs::config{.seed = seed});
      const auto r = sim.run([&] {
        failing_spawn_runtime rt;
        failing_coordinator c(rt, recording_engine{&calls}, {.max_pending_flushes = 4});
        auto rotate = [&](int label) {
          return c.rotate(c.acquire_permit().value(), label).value();
        };
        auto t0 = c.spawn_stream(rotate(0), seven);
        rt.fail_next_stream(how);
        bool threw = false;
        try {
          (void)c.spawn_stream(rotate(1), seven);
        } catch (const std::exception&) {
          threw = true;
        }
        CHECK(threw);
        auto t2 = c.spawn_stream(rotate(2), seven);
        CHECK(t0.wait().ok());
        CHECK(t2.wait().ok());
        CHECK(c.failed_count() == 1);
        const auto last = c.last_failure();
        REQUIRE(last.has_value());
        CHECK(last->code == errc::never_ran);
        CHECK(last->message.find("the runtime failed to start the stream task") !=
              std::string::npos);
        CHECK(c.running_streams().empty());
        c.shutdown();
        CHECK(c.pending_count() == 0);
      });
      CHECK(r.ok());
      if (r.failed) FAIL_CHECK(r.failed->report);
      using call = std::pair<std::uint64_t, std::optional<errc>>;
      CHECK(calls == std::vector<call>{{0, std::nullopt}, {1, errc::never_ran}, {2, std::nullopt}});
    }
  }
}

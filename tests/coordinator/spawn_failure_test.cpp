// A runtime that fails to spawn a stream task (it cannot allocate, or its post
// fails): spawn_stream rethrows what spawn threw, the flush fails as
// errc::never_ran in order, and nothing wedges — later flushes finalize,
// drain and shutdown return. spawn is called under the coordinator's lock,
// and the task destroyed unrun used to take that lock again: a deadlock,
// which the guard below turns into a failure.
#include "harness.hpp"

#include <new>

using namespace fct;

namespace {

namespace prod = flushcoord::prod;

/// How the next stream spawn fails: before taking the function (the
/// caller's argument is left intact) or after (spawn destroys it).
enum class spawn_failure { none, before_taking, after_taking };

/// The prod runtime, except that the next stream spawn fails on demand.
class failing_spawn_runtime {
 public:
  using mutex = prod::mutex;
  using condvar = prod::condvar;
  using task_handle = prod::task_handle;
  using ref_count = prod::ref_count;

  explicit failing_spawn_runtime(prod::runtime_options options) : inner_(options) {}

  flushcoord::nanoseconds now() const { return inner_.now(); }

  template <class F>
  task_handle spawn(flushcoord::task_kind kind, const char* name, F&& f) {
    if (kind == flushcoord::task_kind::stream) {
      switch (next_.exchange(spawn_failure::none)) {
        case spawn_failure::none:
          break;
        case spawn_failure::before_taking:
          throw std::runtime_error("cannot post: queue full");
        case spawn_failure::after_taking: {
          std::decay_t<F> taken(std::forward<F>(f));
          throw std::bad_alloc();  // `taken` is destroyed unrun, right here
        }
      }
    }
    return inner_.spawn(kind, name, std::forward<F>(f));
  }

  void fail_next_stream(spawn_failure how) { next_ = how; }

 private:
  prod::runtime inner_;
  std::atomic<spawn_failure> next_{spawn_failure::none};
};

static_assert(flushcoord::runtime_policy<failing_spawn_runtime>);

using failing_coordinator = flushcoord::coordinator<failing_spawn_runtime, test_engine>;

}  // namespace

TEST_CASE("a spawn that throws fails its flush as never_ran and nothing wedges") {
  const std::pair<spawn_failure, const char*> cases[] = {
      {spawn_failure::before_taking, "cannot post: queue full"},
      {spawn_failure::after_taking, "std::bad_alloc"}};
  for (const auto& [how, what] : cases) {
    const std::string expected_what = what;
    CAPTURE(expected_what);
    auto j = std::make_shared<journal>();
    const bool returned = returns_within(30s, [j, how = how, what = std::string(what)] {
      failing_spawn_runtime rt(prod::runtime_options{.stream_threads = 2});
      failing_coordinator c(rt, test_engine{j}, make_options(4));
      auto rotate = [&](int label) {
        return c.rotate(c.acquire_permit().value(), payload(label)).value();
      };
      auto t0 = c.spawn_stream(rotate(0), returns("a"));
      rt.fail_next_stream(how);
      auto rf1 = rotate(1);
      bool threw = false;
      try {
        (void)c.spawn_stream(std::move(rf1), returns("never"));
      } catch (const std::exception& e) {
        threw = true;
        CHECK(std::string(e.what()) == what);  // the runtime's own exception
      }
      CHECK(threw);
      CHECK_FALSE(rf1.valid());  // consumed: it is not abandoned a second time
      auto t2 = c.spawn_stream(rotate(2), returns("c"));
      CHECK(t0.wait_for(hang_limit).value() == "snap-0:a");
      CHECK(t2.wait_for(hang_limit).value() == "snap-2:c");
      CHECK(c.drain(hang_limit).ok());

      CHECK(c.failed_count() == 1);
      const auto last = c.last_failure();
      REQUIRE(last.has_value());
      CHECK(last->code == errc::never_ran);
      CHECK(last->seq == 1u);
      CHECK(last->message.find("the runtime failed to start the stream task") != std::string::npos);
      CHECK(last->message.find(what) != std::string::npos);
      CHECK(c.running_streams().empty());
      CHECK(c.pending_count() == 0);
      CHECK(c.permits_available() == 4);
      c.shutdown();

      // Finalized in order: 0, then 1's failure, then 2.
      const auto calls = j->calls_copy();
      REQUIRE(calls.size() == 3);
      CHECK(calls[0].success_path);
      CHECK(calls[1].seq == 1u);
      CHECK_FALSE(calls[1].success_path);
      REQUIRE(calls[1].err.has_value());
      CHECK(calls[1].err->code == errc::never_ran);
      CHECK(calls[2].success_path);
      CHECK(calls[2].parent == "snap-0:a");
      CHECK(j->count(event_kind::stream_lost, 1) == 1);
      for (auto& v : j->violations_copy()) FAIL_CHECK(v);
    });
    CHECK_MESSAGE(returned, "spawn_stream deadlocked after the runtime's spawn threw");
  }
}

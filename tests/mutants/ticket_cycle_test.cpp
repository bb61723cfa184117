// Regression, found by LeakSanitizer on mutant ticket_dropped_on_failure: a
// ticket that is never resolved, with a cancellable async_wait pending, must
// still be freed once nobody holds it. Its stop callback used to own the
// ticket while the ticket owned the callback, a cycle that leaked the ticket,
// the waiter and the user's completion. A correct coordinator resolves every
// ticket, which breaks the cycle, so only the mutant reaches the case; the
// check is on the completion's lifetime, so it fails in any build, not only
// under LeakSanitizer.
#include <doctest/doctest.h>

#include <memory>
#include <stop_token>

#include <flushcoord/coordinator.hpp>
#include <flushcoord/mutation.hpp>

#include "../sim/echo_engine.hpp"
#include "flushcoord/sim/runtime.hpp"

namespace fs = flushcoord::sim;
using flushcoord::errc;
using flushcoord::result;
using namespace std::chrono_literals;

TEST_CASE("a dropped, never-resolved ticket with a cancellable async_wait is freed") {
  using coordinator = flushcoord::coordinator<fs::runtime, flushcoord_sim_tests::echo_engine>;
  flushcoord::mutation::active = flushcoord::mutation::id::ticket_dropped_on_failure;
  auto completion_state = std::make_shared<int>(0);
  const std::weak_ptr<int> completion_alive = completion_state;
  bool completed = false;
  fs::simulator sim(fs::config{.seed = 1});
  const auto r = sim.run([&, held = std::move(completion_state)]() mutable {
    fs::runtime rt;
    coordinator c(rt, flushcoord_sim_tests::echo_engine{}, {.max_pending_flushes = 1});
    auto p = c.acquire_permit();
    REQUIRE(p.ok());
    auto rf = c.rotate(std::move(p).value(), 1);
    REQUIRE(rf.ok());
    auto t = c.spawn_stream(std::move(rf).value(), [rt](const int&, std::stop_token) -> result<int> {
      rt.sleep_for(1ms);
      return flushcoord::stream_error("planted");
    });
    std::stop_source stop;  // never signalled
    t.async_wait([&completed, held = std::move(held)](result<int>) { completed = true; }, stop.get_token());
    REQUIRE(c.drain(1s).ok());  // the flush failed and its ticket was dropped
    c.shutdown();
  });
  flushcoord::mutation::active = flushcoord::mutation::id::none;
  REQUIRE_MESSAGE(r.ok(), (r.failed ? r.failed->report : ""));
  CHECK(!completed);  // the mutant never resolves the ticket
  CHECK(completion_alive.expired());
}

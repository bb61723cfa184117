// The event listener on the prod runtime, with real threads: it is never
// called under the coordinator's lock (it calls the coordinator), never two
// calls at once, and in the order the events happened, with timestamps of
// the runtime's clock. The simulated tests (tests/sim/listener_test.cpp)
// check the durations exactly; this one checks the threading.
#include "harness.hpp"

using namespace fct;

#include <flushcoord/listener.hpp>
#include <flushcoord/metrics_text.hpp>

namespace {

struct listener_int_engine {
  using rotated_state = int;
  using outcome = int;
  using snapshot_id = int;
  result<int> finalize(std::uint64_t, const int&, int&& o) { return o; }
  void finalize_failure(std::uint64_t, const int&, const flushcoord::flush_error&) {}
};

using listener_coordinator = flushcoord::coordinator<flushcoord::prod::runtime, listener_int_engine>;

struct threaded_listener : flushcoord::event_listener {
  listener_coordinator* coord = nullptr;
  std::atomic<int> inside{0};
  std::atomic<bool> overlapped{false};
  std::vector<flushcoord::listener_event> seen;  // written by one call at a time
  void on_event(const flushcoord::listener_event& e) override {
    if (inside.fetch_add(1) != 0) overlapped = true;
    if (coord != nullptr) (void)coord->permits_available();  // takes the lock: must not be held
    seen.push_back(e);
    inside.fetch_sub(1);
  }
};

}  // namespace

TEST_CASE("listener: outside the lock, one call at a time, in order, on the runtime's clock") {
  auto listener = std::make_shared<threaded_listener>();
  flushcoord::prod::runtime rt({.stream_threads = 4});
  constexpr int flushes = 300;
  {
    listener_coordinator c(rt, listener_int_engine{},
                           {.max_pending_flushes = 4, .listener = listener, .collect_metrics = true});
    listener->coord = &c;
    std::vector<listener_coordinator::ticket_type> tickets;
    for (int i = 0; i < flushes; ++i) {
      auto rf = c.rotate(c.acquire_permit().value(), i).value();
      tickets.push_back(c.spawn_stream(std::move(rf), [i](const int&, std::stop_token) -> result<int> {
        if (i % 3 == 0) std::this_thread::yield();
        if (i % 7 == 0) return flushcoord::stream_error("planted");
        return i;
      }));
    }
    for (auto& t : tickets) (void)t.wait();
    c.shutdown();
    listener->coord = nullptr;
    const auto m = c.metrics();
    CHECK(m.flushes_rotated == flushes);
    CHECK(m.flushes_finished == flushes);
    CHECK(m.failures_by_code[static_cast<std::size_t>(errc::stream_failed)] == (flushes + 6) / 7);
    CHECK(m.stream_duration.count == flushes);
    CHECK(m.finalize_duration.count == flushes);
    CHECK(flushcoord::prometheus_text(m).find("flushcoord_flushes_finished_total 300\n") != std::string::npos);
  }
  CHECK_FALSE(listener->overlapped.load());
  const auto& seen = listener->seen;
  REQUIRE(!seen.empty());
  CHECK(seen.back().kind == event_kind::shutdown_returning);
  std::vector<int> finished_in_order;
  for (std::size_t i = 0; i < seen.size(); ++i) {
    if (i > 0) CHECK(seen[i - 1].at <= seen[i].at);
    if (seen[i].kind == event_kind::flush_finished) finished_in_order.push_back(static_cast<int>(seen[i].seq));
  }
  REQUIRE(finished_in_order.size() == flushes);
  for (int i = 0; i < flushes; ++i) CHECK(finished_in_order[i] == i);
}

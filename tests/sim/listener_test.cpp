// The event listener and the metrics on the sim runtime, where time is
// virtual and so every duration is exact: the listener runs outside the
// coordinator's lock (it may call the coordinator), sees each flush's events
// in order with the runtime's timestamps, and the counters and histograms
// say what happened to every flush.
#include <doctest/doctest.h>

#include <algorithm>
#include <functional>
#include <memory>
#include <stop_token>
#include <string>
#include <vector>

#include <flushcoord/coordinator.hpp>
#include <flushcoord/listener.hpp>
#include <flushcoord/metrics_text.hpp>

#include "flushcoord/sim/runtime.hpp"

namespace fs = flushcoord::sim;
using flushcoord::errc;
using flushcoord::event_kind;
using flushcoord::listener_event;
using flushcoord::nanoseconds;
using flushcoord::result;
using namespace std::chrono_literals;

namespace {

/// An engine whose finalize takes 1 ms of the runtime's clock.
struct slow_finalize_engine {
  using rotated_state = int;
  using outcome = int;
  using snapshot_id = int;
  fs::runtime rt;
  result<int> finalize(std::uint64_t, const int&, int&& o) {
    rt.sleep_for(1ms);
    return o;
  }
  void finalize_failure(std::uint64_t, const int&, const flushcoord::flush_error&) { rt.sleep_for(1ms); }
};

using listened_coordinator = flushcoord::coordinator<fs::runtime, slow_finalize_engine>;

struct recording_listener : flushcoord::event_listener {
  std::vector<listener_event> seen;
  std::function<void(const listener_event&)> also;
  void on_event(const listener_event& e) noexcept override {
    seen.push_back(e);
    if (also) also(e);
  }
  std::vector<listener_event> of(event_kind k) const {
    std::vector<listener_event> out;
    std::copy_if(seen.begin(), seen.end(), std::back_inserter(out), [&](const auto& e) { return e.kind == k; });
    return out;
  }
};

/// Flush i's stream sleeps `stream_ms[i]` ms and fails if `fails[i]`.
void run_flushes(listened_coordinator& c, fs::runtime rt, const std::vector<int>& stream_ms,
                 const std::vector<bool>& fails) {
  std::vector<listened_coordinator::ticket_type> tickets;
  for (std::size_t i = 0; i < stream_ms.size(); ++i) {
    auto p = c.acquire_permit();
    REQUIRE(p.ok());
    auto rf = c.rotate(std::move(p).value(), static_cast<int>(i));
    REQUIRE(rf.ok());
    const auto ms = stream_ms[i];
    const bool fail = fails[i];
    tickets.push_back(c.spawn_stream(std::move(rf).value(), [rt, ms, fail](const int& v, std::stop_token) -> result<int> {
      rt.sleep_for(std::chrono::milliseconds(ms));
      if (fail) return flushcoord::stream_error("planted");
      return v;
    }));
  }
  for (auto& t : tickets) (void)t.wait();
}

}  // namespace

TEST_CASE("sim: the listener runs outside the lock and sees each flush's events in order") {
  for (std::uint64_t seed = 0; seed < 40; ++seed) {
    CAPTURE(seed);
    auto listener = std::make_shared<recording_listener>();
    fs::simulator sim(fs::config{.seed = seed});
    const auto r = sim.run([&] {
      fs::runtime rt;
      listened_coordinator c(rt, slow_finalize_engine{rt}, {.max_pending_flushes = 2, .listener = listener});
      // Under the coordinator's lock this would lock it again: the run would
      // deadlock, and the simulator would say so.
      listener->also = [&c](const listener_event&) { (void)c.pending_count(); };
      run_flushes(c, rt, {3, 1, 2, 1}, {false, true, false, false});
      REQUIRE(c.drain(1s).ok());
      c.shutdown();
      listener->also = nullptr;
    });
    REQUIRE_MESSAGE(r.ok(), (r.failed ? r.failed->report : ""));
    const auto& seen = listener->seen;
    REQUIRE(!seen.empty());
    for (std::size_t i = 1; i < seen.size(); ++i) CHECK(seen[i - 1].at <= seen[i].at);
    const event_kind life[] = {event_kind::rotated,        event_kind::stream_spawned, event_kind::stream_started,
                               event_kind::stream_returned, event_kind::finalize_begin, event_kind::finalize_end,
                               event_kind::flush_finished};
    for (std::uint64_t seq = 0; seq < 4; ++seq) {
      CAPTURE(seq);
      std::size_t at = 0;
      for (const auto& e : seen)
        if (e.seq == seq && at < std::size(life) && e.kind == life[at]) ++at;
      CHECK(at == std::size(life));  // every step, in this order
    }
    const auto failed = listener->of(event_kind::flush_failed);
    REQUIRE(failed.size() == 1);
    CHECK(failed[0].seq == 1);
    CHECK(failed[0].failure_code() == errc::stream_failed);
    CHECK(listener->of(event_kind::shutdown_returning).size() == 1);
    CHECK(seen.back().kind == event_kind::shutdown_returning);  // delivered before shutdown() returned
  }
}

TEST_CASE("sim: the listener's durations are exact on the virtual clock") {
  for (std::uint64_t seed = 0; seed < 20; ++seed) {
    CAPTURE(seed);
    auto listener = std::make_shared<recording_listener>();
    fs::simulator sim(fs::config{.seed = seed});
    const auto r = sim.run([&] {
      fs::runtime rt;
      listened_coordinator c(rt, slow_finalize_engine{rt}, {.max_pending_flushes = 1, .listener = listener});
      // One permit: the second acquire waits for flush 0's stream (3 ms)
      // and finalize (1 ms).
      run_flushes(c, rt, {3, 2}, {false, false});
      c.shutdown();
    });
    REQUIRE_MESSAGE(r.ok(), (r.failed ? r.failed->report : ""));
    const auto streams = listener->of(event_kind::stream_returned);
    REQUIRE(streams.size() == 2);
    CHECK(streams[0].took == nanoseconds(3ms));
    CHECK(streams[1].took == nanoseconds(2ms));
    for (const auto& f : listener->of(event_kind::finalize_end)) CHECK(f.took == nanoseconds(1ms));
    const auto began = listener->of(event_kind::permit_wait_begun);
    const auto ended = listener->of(event_kind::permit_wait_ended);
    REQUIRE(began.size() == 1);
    REQUIRE(ended.size() == 1);
    CHECK(ended[0].ok);
    CHECK(ended[0].took == nanoseconds(4ms));
    CHECK(ended[0].at - began[0].at == nanoseconds(4ms));
  }
}

TEST_CASE("sim: metrics count every flush's fate, and prometheus_text names them") {
  fs::simulator sim(fs::config{.seed = 3});
  flushcoord::metrics m;
  const auto r = sim.run([&] {
    fs::runtime rt;
    listened_coordinator c(rt, slow_finalize_engine{rt},
                           {.max_pending_flushes = 2, .stream_timeout = 20ms, .collect_metrics = true});
    // ok in 2 ms; fails at once; runs 50 ms past its 20 ms timeout (the
    // third acquire also stalls: two permits are out).
    run_flushes(c, rt, {2, 0, 50}, {false, true, false});
    c.shutdown();  // joins the late stream, whose result is dropped
    m = c.metrics();
  });
  REQUIRE_MESSAGE(r.ok(), (r.failed ? r.failed->report : ""));
  CHECK(m.flushes_in_flight == 0);
  CHECK(m.permits_available == 2);
  CHECK(m.flushes_rotated == 3);
  CHECK(m.flushes_finished == 3);
  CHECK(m.failures() == 2);
  CHECK(m.failures_by_code[static_cast<std::size_t>(errc::stream_failed)] == 1);
  CHECK(m.failures_by_code[static_cast<std::size_t>(errc::stream_timeout)] == 1);
  CHECK(m.stream_timeouts == 1);
  CHECK(m.late_results_dropped == 1);
  CHECK(m.permit_stalls == 1);
  CHECK(m.permit_stall.count == 1);
  CHECK(m.stream_duration.count == 3);
  CHECK(m.stream_duration.sum == nanoseconds(52ms));
  CHECK(m.finalize_duration.count == 3);
  CHECK(m.finalize_duration.sum == nanoseconds(3ms));

  const std::string text = flushcoord::prometheus_text(m, "flushcoord", "db=\"main\"");
  CAPTURE(text);
  auto has = [&](const std::string& line) { return text.find(line + "\n") != std::string::npos; };
  CHECK(has("# TYPE flushcoord_flush_failures_total counter"));
  CHECK(has("flushcoord_flush_failures_total{db=\"main\",code=\"stream_failed\"} 1"));
  CHECK(has("flushcoord_flush_failures_total{db=\"main\",code=\"stream_timeout\"} 1"));
  CHECK(has("flushcoord_flush_failures_total{db=\"main\",code=\"shut_down\"} 0"));
  CHECK(has("flushcoord_stream_timeouts_total{db=\"main\"} 1"));
  CHECK(has("flushcoord_flushes_in_flight{db=\"main\"} 0"));
  CHECK(has("# TYPE flushcoord_stream_duration_seconds histogram"));
  // Cumulative buckets: 0 s and 2 ms are <= 10 ms, 50 ms is not.
  CHECK(has("flushcoord_stream_duration_seconds_bucket{db=\"main\",le=\"0.01\"} 2"));
  CHECK(has("flushcoord_stream_duration_seconds_bucket{db=\"main\",le=\"0.1\"} 3"));
  CHECK(has("flushcoord_stream_duration_seconds_bucket{db=\"main\",le=\"+Inf\"} 3"));
  CHECK(has("flushcoord_stream_duration_seconds_sum{db=\"main\"} 0.052"));
  CHECK(has("flushcoord_stream_duration_seconds_count{db=\"main\"} 3"));
}

TEST_CASE("sim: metrics() without options::collect_metrics is refused") {
  fs::simulator sim(fs::config{.seed = 0});
  const auto r = sim.run([&] {
    fs::runtime rt;
    listened_coordinator c(rt, slow_finalize_engine{rt}, {});
    CHECK_THROWS_WITH_AS(c.metrics(), doctest::Contains("collect_metrics"), flushcoord::usage_error);
    c.shutdown();
  });
  CHECK(r.ok());
}

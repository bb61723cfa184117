// A coordinator's metrics and events, exported as a storage engine would:
// counters and histograms in the Prometheus text format on stdout (what a
// /metrics endpoint would serve), and a listener that logs each failure and
// each permit stall as it happens, outside the coordinator's lock.
//
//   build/release/tests/coordinator/metrics_exporter_example [flushes]
//
// Every fifth stream fails and the permits are few, so the output has
// failures and stalls to show. Exits 0 iff the metrics add up: every flush
// rotated finished, and the failures counted are the ones planted.
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <memory>
#include <stop_token>
#include <string>
#include <thread>
#include <vector>

#include <flushcoord/coordinator.hpp>
#include <flushcoord/listener.hpp>
#include <flushcoord/metrics_text.hpp>
#include <flushcoord/prod/runtime.hpp>

namespace {

struct toy_engine {
  using rotated_state = int;
  using outcome = int;
  using snapshot_id = int;
  flushcoord::result<int> finalize(std::uint64_t, const int&, int&& o) { return o; }
  void finalize_failure(std::uint64_t, const int&, const flushcoord::flush_error&) {}
};

/// Logs what an operator wants to see at once; the counters cover the rest.
struct log_listener : flushcoord::event_listener {
  void on_event(const flushcoord::listener_event& e) override {
    using flushcoord::event_kind;
    const double at_ms = static_cast<double>(e.at.count()) / 1e6;
    if (e.kind == event_kind::flush_failed)
      std::fprintf(stderr, "[%.3f ms] flush %llu failed: %s\n", at_ms, static_cast<unsigned long long>(e.seq),
                   std::string(flushcoord::to_string(*e.failure_code())).c_str());
    else if (e.kind == event_kind::permit_wait_ended)
      std::fprintf(stderr, "[%.3f ms] writer stalled %.3f ms for a permit\n", at_ms,
                   static_cast<double>(e.took.count()) / 1e6);
  }
};

}  // namespace

int main(int argc, char** argv) {
  const int flushes = argc > 1 ? std::atoi(argv[1]) : 50;
  if (flushes <= 0) {
    std::fprintf(stderr, "usage: %s [flushes > 0]\n", argv[0]);
    return 2;
  }
  flushcoord::prod::runtime rt({.stream_threads = 2});
  flushcoord::coordinator<flushcoord::prod::runtime, toy_engine> coord(
      rt, toy_engine{},
      {.max_pending_flushes = 2, .listener = std::make_shared<log_listener>(), .collect_metrics = true});

  std::vector<flushcoord::ticket<flushcoord::prod::runtime, int>> tickets;
  for (int i = 0; i < flushes; ++i) {
    auto rotated = coord.rotate(coord.acquire_permit().value(), i).value();
    tickets.push_back(coord.spawn_stream(std::move(rotated), [i](const int&, std::stop_token) -> flushcoord::result<int> {
      std::this_thread::sleep_for(std::chrono::microseconds(200));  // the "upload"
      if (i % 5 == 4) return flushcoord::stream_error("planted upload failure");
      return i;
    }));
  }
  for (auto& t : tickets) (void)t.wait();
  coord.shutdown();

  const flushcoord::metrics m = coord.metrics();
  const std::string text = flushcoord::prometheus_text(m, "flushcoord", "db=\"example\"");
  std::fputs(text.c_str(), stdout);
  const auto planted = static_cast<std::uint64_t>(flushes / 5);
  const bool adds_up = m.flushes_rotated == static_cast<std::uint64_t>(flushes) &&
                       m.flushes_finished == m.flushes_rotated && m.failures() == planted &&
                       m.failures_by_code[static_cast<std::size_t>(flushcoord::errc::stream_failed)] == planted &&
                       text.find("flushcoord_flush_failures_total{db=\"example\",code=\"stream_failed\"} " +
                                 std::to_string(planted) + "\n") != std::string::npos;
  if (!adds_up) std::fprintf(stderr, "metrics do not add up\n");
  return adds_up ? 0 : 1;
}

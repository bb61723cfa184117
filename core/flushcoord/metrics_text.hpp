// flushcoord/metrics_text.hpp — a coordinator's metrics in the Prometheus
// text exposition format (version 0.0.4), for an exporter to serve as is
// or to translate into its own registry.
//
//   std::string text = flushcoord::prometheus_text(coord.metrics());
//
// Names follow the Prometheus conventions: a `flushcoord_` prefix (or the
// caller's), base units (seconds), `_total` on counters, one metric family
// per quantity with labels for its parts (`code` for failures). `labels`, if
// given, is added to every sample, e.g. `db="main"` for an engine that runs
// several coordinators.
#pragma once

#include <chrono>
#include <cstdio>
#include <string>
#include <string_view>

#include "flushcoord/error.hpp"
#include "flushcoord/metrics.hpp"

namespace flushcoord {

namespace detail {

inline std::string seconds_text(nanoseconds d) {
  char buf[32];
  std::snprintf(buf, sizeof buf, "%.9g", std::chrono::duration<double>(d).count());
  return buf;
}

class prometheus_writer {
 public:
  prometheus_writer(std::string_view prefix, std::string_view labels) : prefix_(prefix), labels_(labels) {}

  void family(std::string_view name, std::string_view type, std::string_view help) {
    out_ += "# HELP " + full(name) + " " + std::string(help) + "\n";
    out_ += "# TYPE " + full(name) + " " + std::string(type) + "\n";
  }
  void sample(std::string_view name, std::string_view extra_labels, std::string_view value) {
    out_ += full(name);
    std::string all(labels_);
    if (!extra_labels.empty()) all += (all.empty() ? "" : ",") + std::string(extra_labels);
    if (!all.empty()) out_ += "{" + all + "}";
    out_ += " " + std::string(value) + "\n";
  }
  void sample(std::string_view name, std::uint64_t value) { sample(name, "", std::to_string(value)); }
  void counter(std::string_view name, std::string_view help, std::uint64_t value) {
    family(name, "counter", help);
    sample(name, value);
  }
  void gauge(std::string_view name, std::string_view help, std::uint64_t value) {
    family(name, "gauge", help);
    sample(name, value);
  }
  void histogram(std::string_view name, std::string_view help, const duration_histogram& h) {
    family(name, "histogram", help);
    std::uint64_t cumulative = 0;
    for (std::size_t i = 0; i < duration_histogram::bounds.size(); ++i) {
      cumulative += h.buckets[i];
      sample(std::string(name) + "_bucket", "le=\"" + seconds_text(duration_histogram::bounds[i]) + "\"",
             std::to_string(cumulative));
    }
    sample(std::string(name) + "_bucket", "le=\"+Inf\"", std::to_string(h.count));
    sample(std::string(name) + "_sum", "", seconds_text(h.sum));
    sample(std::string(name) + "_count", "", std::to_string(h.count));
  }
  std::string take() { return std::move(out_); }

 private:
  std::string full(std::string_view name) const { return std::string(prefix_) + "_" + std::string(name); }
  std::string_view prefix_, labels_;
  std::string out_;
};

}  // namespace detail

/// `m` in the Prometheus text format; see the top of this file.
inline std::string prometheus_text(const metrics& m, std::string_view prefix = "flushcoord",
                                   std::string_view labels = "") {
  detail::prometheus_writer w(prefix, labels);
  w.gauge("flushes_in_flight", "Flushes rotated and not yet finalized.", m.flushes_in_flight);
  w.gauge("permits_available", "Permits free to acquire.", m.permits_available);
  w.counter("flushes_rotated_total", "Flushes given a sequence number.", m.flushes_rotated);
  w.counter("flushes_finished_total", "Flushes resolved, successfully or not.", m.flushes_finished);
  w.family("flush_failures_total", "counter", "Flushes that failed, by error code.");
  for (std::size_t i = 0; i < errc_count; ++i)
    w.sample("flush_failures_total", "code=\"" + std::string(to_string(static_cast<errc>(i))) + "\"",
             std::to_string(m.failures_by_code[i]));
  w.counter("stream_timeouts_total", "Streams failed for running past options::stream_timeout.",
            m.stream_timeouts);
  w.counter("late_results_dropped_total", "Stream results that came after their flush was resolved.",
            m.late_results_dropped);
  w.counter("permit_stalls_total", "Acquires that found no permit and waited.", m.permit_stalls);
  w.histogram("permit_stall_seconds", "How long each stalled acquire waited.", m.permit_stall);
  w.histogram("stream_duration_seconds", "How long each stream function ran.", m.stream_duration);
  w.histogram("finalize_duration_seconds", "How long each finalize or finalize_failure ran.",
              m.finalize_duration);
  return w.take();
}

}  // namespace flushcoord

// properties/src/liveness.cpp — see liveness.hpp.
#include "flushcoord/properties/liveness.hpp"

#include <algorithm>
#include <string>

namespace flushcoord::properties {

std::int64_t liveness_deadline_ns(const scenario& sc, std::int64_t writer_done_ns) {
  std::int64_t start = writer_done_ns;
  for (const auto& c : sc.drains) start = std::max(start, c.at_ns);
  for (const auto& c : sc.shutdowns) start = std::max(start, c.at_ns);
  for (const auto& c : sc.closes) start = std::max(start, c.at_ns);
  if (sc.runtime_stop_at_ns) start = std::max(start, *sc.runtime_stop_at_ns);
  return start + sc.liveness_bound_ns;
}

liveness_watch::liveness_watch(model_world& w, std::int64_t deadline_ns)
    : w_(w), deadline_ns_(deadline_ns) {
  watchdog_ = w_.rt.spawn("liveness", [this] { watch(); });
}

void liveness_watch::watch() {
  const std::chrono::nanoseconds deadline(deadline_ns_);
  m_.lock();
  while (!done_ && cv_.wait_until(m_, deadline)) {
  }
  const bool late = !done_;
  m_.unlock();
  if (late) {
    w_.sim->fail(sim::failure_class::liveness,
                 "[liveness] the fault-free phase did not finish by t=" + std::to_string(deadline_ns_) +
                     "ns (bound " + std::to_string(w_.sc->liveness_bound_ns) + "ns): pending flushes, a drain "
                     "or a shutdown still outstanding");
  }
}

void liveness_watch::check_drain(const result<void>& r) {
  if (r.ok() || r.error().code == errc::shut_down) return;
  w_.sim->fail(sim::failure_class::liveness,
               "[liveness] drain failed in the fault-free phase: " + r.error().message);
}

void liveness_watch::finished() {
  m_.lock();
  done_ = true;
  cv_.notify_all();
  m_.unlock();
  watchdog_.join();
}

}  // namespace flushcoord::properties

// flushcoord/properties/liveness.hpp — liveness mode: a fault phase, then a
// fault-free phase that must converge within a virtual-time bound.
//
// When scenario::liveness_bound_ns > 0, the run's main task opens the
// fault-free phase once the writer is done (no new flush, hence no new
// fault, is injected after that). It starts at the writer's end or at the
// latest scheduled call (drain, shutdown, runtime stop), whichever is later,
// and lasts liveness_bound_ns. Within it every pending flush must finalize,
// a drain must succeed (or report that the coordinator is shut down) and
// the final shutdown must return. A watchdog task sleeps until the phase's
// deadline; if main has not finished by then, the run fails as
// failure_class::liveness, "[liveness] ...", with the usual trace. A run
// that wedges instead of merely being slow is reported the same way, since
// the watchdog's timer keeps the simulator from calling it a deadlock first.
#pragma once

#include <chrono>
#include <cstdint>

#include "flushcoord/properties/world.hpp"
#include "flushcoord/result.hpp"
#include "flushcoord/sim/runtime.hpp"

namespace flushcoord::properties {

/// The end of the fault-free phase of `sc`, for a writer that finished at
/// `writer_done_ns`.
std::int64_t liveness_deadline_ns(const scenario& sc, std::int64_t writer_done_ns);

/// The watchdog of one run's fault-free phase. Lives in main's frame.
class liveness_watch {
 public:
  /// Spawns the watchdog. Call from the run's main task.
  liveness_watch(model_world& w, std::int64_t deadline_ns);
  liveness_watch(const liveness_watch&) = delete;
  liveness_watch& operator=(const liveness_watch&) = delete;

  /// Fails the run as liveness if the phase's drain did not succeed for a
  /// reason other than shutdown.
  void check_drain(const result<void>& r);
  /// The phase is over: wakes the watchdog and joins it.
  void finished();

 private:
  void watch();

  model_world& w_;
  std::int64_t deadline_ns_;
  sim::mutex m_;
  sim::condvar cv_;
  bool done_ = false;
  sim::task_handle watchdog_;
};

}  // namespace flushcoord::properties

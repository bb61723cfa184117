// flushcoord/detail/observer.hpp — the coordinator's metrics and its
// listener's queue, and the mutex wrapper that delivers that queue.
//
// Events happen under the coordinator's lock, but a listener must be called
// outside it (listener.hpp). So an event is queued, with its timestamp,
// under the lock, and delivered by whoever next releases the lock through
// observed_mutex::unlock: that thread takes the whole queue, releases the
// lock, calls the listener, and repeats until the queue stays empty. One
// thread at a time delivers (`delivering_`), so calls never overlap and
// keep their order; others that release the lock meanwhile just release it
// and leave their events to the deliverer's next round. A coordinator wait
// delivers what is queued before it sleeps (counted_condvar), so a caller
// about to block for a permit is not the reason its own events wait.
#pragma once

#include <memory>
#include <utility>
#include <vector>

#include "flushcoord/events.hpp"
#include "flushcoord/listener.hpp"
#include "flushcoord/metrics.hpp"
#include "flushcoord/options.hpp"
#include "flushcoord/runtime_policy.hpp"

namespace flushcoord::detail {

template <runtime_policy R>
class observer {
 public:
  explicit observer(const options& o)
      : listener_(o.listener), metrics_on_(o.collect_metrics), active_(listener_ != nullptr || metrics_on_) {}

  /// Whether anything listens: only then are events timed. One load, as it
  /// is tested for every event.
  bool active() const noexcept { return active_; }
  bool collects_metrics() const noexcept { return metrics_on_; }
  bool has_listener() const noexcept { return listener_ != nullptr; }

  /// Requires the coordinator's lock. `took` as in listener_event; the
  /// timestamp, read here, is only the listener's. Out of line: the
  /// coordinator's event sites stay small without observers.
  [[gnu::noinline]] void record(R& rt, const coordinator_event& e, nanoseconds took) {
    if (metrics_on_) count(e, took);
    if (listener_) outbox_.push_back(listener_event{e.kind, e.seq, e.count, e.ok, rt.now(), took});
  }

  /// Requires the lock. A copy of the counters (the gauges are the caller's).
  metrics counters() const { return metrics_; }

  /// Requires the lock: events wait and nobody is delivering them. Without
  /// a listener, one load.
  bool undelivered() const noexcept { return listener_ != nullptr && !outbox_.empty() && !delivering_; }

  /// Requires `m` held and undelivered(). Delivers until the queue stays
  /// empty and returns with `m` released.
  template <class Mutex>
  [[gnu::noinline]] void deliver_then_unlock(Mutex& m) noexcept {
    delivering_ = true;
    // A member, so the two buffers trade places and keep their capacity:
    // after warm-up, queueing and delivering allocate nothing. Only the
    // deliverer (delivering_) touches it, with the lock released.
    std::vector<listener_event>& batch = batch_;
    for (;;) {
      batch.swap(outbox_);
      m.unlock();
      for (const auto& e : batch) {
        try {
          listener_->on_event(e);
        } catch (...) {
          // listener.hpp: discarded. If it was the simulator abandoning the
          // run, the lock below throws again and ends this delivery.
        }
      }
      batch.clear();
      try {
        m.lock();
      } catch (...) {
        // Only the simulator's lock throws, when it abandons a failed run;
        // the run is over, and unlock's caller wanted the lock released.
        return;
      }
      if (outbox_.empty()) break;
    }
    delivering_ = false;
    m.unlock();
  }

 private:
  void count(const coordinator_event& e, nanoseconds took) {
    switch (e.kind) {
      case event_kind::rotated: ++metrics_.flushes_rotated; break;
      case event_kind::flush_finished: ++metrics_.flushes_finished; break;
      case event_kind::flush_failed:
        if (e.count < errc_count) ++metrics_.failures_by_code[e.count];
        break;
      case event_kind::stream_timed_out: ++metrics_.stream_timeouts; break;
      case event_kind::late_result_dropped: ++metrics_.late_results_dropped; break;
      case event_kind::permit_wait_begun: ++metrics_.permit_stalls; break;
      case event_kind::permit_wait_ended: metrics_.permit_stall.add(took); break;
      case event_kind::stream_returned: metrics_.stream_duration.add(took); break;
      case event_kind::finalize_end: metrics_.finalize_duration.add(took); break;
      default: break;
    }
  }

  const std::shared_ptr<event_listener> listener_;
  const bool metrics_on_;
  const bool active_;
  metrics metrics_;
  std::vector<listener_event> outbox_;
  std::vector<listener_event> batch_;  // see deliver_then_unlock
  bool delivering_ = false;
};

/// The coordinator's mutex as its state locks it: R::mutex, whose unlock
/// delivers the listener's queue first (see the top of this file). Waits
/// use raw(); counted_condvar delivers before it waits.
template <runtime_policy R>
class observed_mutex {
 public:
  observed_mutex(typename R::mutex& m, observer<R>& obs) : m_(m), obs_(obs) {}

  void lock() { m_.lock(); }
  void unlock() {
    if (obs_.undelivered()) [[unlikely]]
      obs_.deliver_then_unlock(m_);
    else
      m_.unlock();
  }

  /// Requires the lock. If events wait, delivers them (releasing and
  /// re-taking the lock) and returns true: the caller's condition may have
  /// changed meanwhile, as after a spurious wake-up.
  bool deliver_pending() {
    if (!obs_.undelivered()) return false;
    unlock();
    lock();
    return true;
  }

  typename R::mutex& raw() noexcept { return m_; }

 private:
  typename R::mutex& m_;
  observer<R>& obs_;
};

}  // namespace flushcoord::detail

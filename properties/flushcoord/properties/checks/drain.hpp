// Drain: success only with zero pending and promptly once the count is
// zero; the stall error only after a whole stall period without progress,
// and (the other direction) no drain waits past a whole stall period
// without progress: it must report the stall then.
// Checked at each drain's return against the pending-count timeline built
// from rotated / flush_finished events. Virtual time makes "promptly" exact:
// a drain woken by the last finish returns at that same virtual instant.
#pragma once

#include <algorithm>
#include <map>

#include "flushcoord/properties/facts.hpp"

namespace flushcoord::properties {

class drain_check final : public checker {
 public:
  std::string_view name() const override { return "drain"; }

  void observe(const fact& f, const violation_sink& fail) override {
    switch (f.kind) {
      case fact_kind::coordinator: on_event(f, fail); break;
      case fact_kind::drain_called:
        calls_[f.a] = {f.time_ns, static_cast<std::int64_t>(f.b), f.time_ns};
        break;
      case fact_kind::drain_returned: on_return(f, fail); break;
      case fact_kind::shutdown_returned: shut_down_ = true; break;
      default: break;
    }
  }

  void finish(const end_state&, const violation_sink&) override {}

 private:
  struct call {
    std::int64_t at_ns;
    std::int64_t timeout_ns;
    std::int64_t quiet_since_ns = 0;  // its last progress (or its call)
    std::int64_t longest_quiet_ns = 0;
    bool active = true;
  };

  void on_event(const fact& f, const violation_sink&) {
    if (f.event.kind == event_kind::rotated) {
      pending_ = f.event.count;
    } else if (f.event.kind == event_kind::flush_finished) {
      for (auto& [n, c] : calls_) note_progress(c, f.time_ns);
      pending_ = f.event.count;
      last_progress_ns_ = f.time_ns;
      if (pending_ == 0) zero_since_ns_ = f.time_ns;
    }
  }

  /// A quiet period of an active drain ends; pending was > 0 throughout
  /// (a drain returns as soon as it is zero).
  static void note_progress(call& c, std::int64_t now) {
    if (!c.active) return;
    c.longest_quiet_ns = std::max(c.longest_quiet_ns, now - c.quiet_since_ns);
    c.quiet_since_ns = now;
  }

  void on_return(const fact& f, const violation_sink& fail) {
    call& active = calls_.at(f.a);
    if (pending_ != 0) note_progress(active, f.time_ns);  // the quiet period up to its return
    active.active = false;
    const call c = active;
    const std::string who = "drain #" + std::to_string(f.a);
    if (c.longest_quiet_ns > c.timeout_ns && !(f.ok == false && f.code == errc::shut_down)) {
      fail(name(), who + " went " + std::to_string(c.longest_quiet_ns) + "ns without progress, past its stall timeout of " +
                       std::to_string(c.timeout_ns) + "ns, and did not report the stall then");
      return;
    }
    if (f.ok) {
      if (pending_ != 0) {
        fail(name(), who + " succeeded with " + std::to_string(pending_) + " flushes pending");
        return;
      }
      const std::int64_t due = std::max(c.at_ns, zero_since_ns_);
      if (f.time_ns > due)
        fail(name(), who + " returned at " + std::to_string(f.time_ns) + "ns but pending was zero since " +
                         std::to_string(due) + "ns (missed wake-up)");
    } else if (f.code == errc::drain_stalled) {
      const std::int64_t quiet_since = std::max(c.at_ns, last_progress_ns_);
      if (pending_ == 0)
        fail(name(), who + " reported a stall with zero pending");
      else if (f.time_ns - quiet_since < c.timeout_ns)
        fail(name(), who + " reported a stall after only " + std::to_string(f.time_ns - quiet_since) +
                         "ns without progress (stall timeout " + std::to_string(c.timeout_ns) + "ns)");
    } else if (f.code != errc::shut_down || !shut_down_) {
      fail(name(), who + " failed with " + std::string(to_string(f.code)));
    }
  }

  std::map<std::uint64_t, call> calls_;
  std::size_t pending_ = 0;
  std::int64_t last_progress_ns_ = 0;
  std::int64_t zero_since_ns_ = 0;
  bool shut_down_ = false;
};

}  // namespace flushcoord::properties

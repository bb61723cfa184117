// Shutdown: every call returns; a return implies every coordinator task was
// joined, every ticket resolved, the pending count zero and every flush's
// permit back; nothing is finalized afterwards, and nothing is accepted once
// intake closed (SPEC §2.3).
// Checked online at each shutdown_returned fact (which carries the number of
// coordinator tasks the simulator still sees alive) and on every later fact.
#pragma once

#include <cstdint>

#include "flushcoord/properties/facts.hpp"
#include "flushcoord/properties/seq_table.hpp"

namespace flushcoord::properties {

class shutdown_check final : public checker {
 public:
  explicit shutdown_check(const run_facts& run)
      : max_(run.max_pending), available_(run.max_pending), unresolved_(seq_limit(run.flushes_planned), run.flushes_planned) {}
  std::string_view name() const override { return "shutdown"; }

  void observe(const fact& f, const violation_sink& fail) override {
    if (closed_) after_close(f, fail);
    if (returned_) after_return(f, fail);
    switch (f.kind) {
      case fact_kind::coordinator: on_event(f.event); break;
      case fact_kind::shutdown_called: ++calls_; break;
      case fact_kind::shutdown_returned: on_return(f, fail); break;
      default: break;
    }
  }

  void finish(const end_state&, const violation_sink& fail) override {
    if (returns_ != calls_)
      fail(name(), std::to_string(calls_ - returns_) + " shutdown calls never returned");
  }

 private:
  void on_event(const coordinator_event& e) {
    switch (e.kind) {
      case event_kind::close_begun: closed_ = true; break;
      case event_kind::permit_acquired: available_ = e.count; ++free_held_; break;
      case event_kind::permit_released:
        available_ = e.count;
        if (e.seq == no_seq) --free_held_;
        break;
      case event_kind::rotated: pending_ = e.count; --free_held_; break;
      case event_kind::flush_finished: pending_ = e.count; break;
      case event_kind::submitted:
      case event_kind::stream_spawned: {
        std::uint8_t& u = unresolved_[e.seq];
        if (!u) ++unresolved_count_;
        u = 1;
        if (e.seq < lowest_unresolved_) lowest_unresolved_ = e.seq;
        break;
      }
      case event_kind::ticket_resolved:
        if (unresolved_.get(e.seq)) {
          unresolved_[e.seq] = 0;
          --unresolved_count_;
        }
        break;
      default: break;
    }
  }

  void on_return(const fact& f, const violation_sink& fail) {
    ++returns_;
    returned_ = true;
    const std::string who = "shutdown #" + std::to_string(f.a);
    if (f.b != 0) fail(name(), who + " returned while " + std::to_string(f.b) + " coordinator tasks were still alive");
    if (pending_ != 0) fail(name(), who + " returned with " + std::to_string(pending_) + " flushes pending");
    if (unresolved_count_ != 0) {
      // Every seq below lowest_unresolved_ is resolved: scan from there.
      lowest_unresolved_ = unresolved_.find_first(lowest_unresolved_, [](std::uint8_t u) { return u != 0; }, no_seq);
      fail(name(), who + " returned with the ticket of flush " + std::to_string(lowest_unresolved_) +
                       " unresolved");
    }
    if (available_ + free_held_ != max_)
      fail(name(), who + " returned with " + std::to_string(max_ - available_ - free_held_) +
                       " flush permits not given back");
  }

  /// Intake stops at close: no permit, rotation or submission is accepted.
  void after_close(const fact& f, const violation_sink& fail) {
    if (f.kind != fact_kind::coordinator) return;
    const auto k = f.event.kind;
    if (k == event_kind::permit_acquired)
      fail(name(), "a permit was granted after intake closed");
    if (k == event_kind::rotated || k == event_kind::submitted || k == event_kind::stream_spawned)
      fail(name(), "flush " + std::to_string(f.event.seq) + " was accepted after intake closed");
  }

  void after_return(const fact& f, const violation_sink& fail) {
    if (f.kind == fact_kind::finalize_called || f.kind == fact_kind::failure_called)
      fail(name(), "flush " + std::to_string(f.seq) + " was finalized after shutdown returned");
  }

  std::size_t max_;
  std::size_t available_;
  std::int64_t free_held_ = 0;
  std::size_t pending_ = 0;
  // The set of flushes whose ticket is not resolved yet, as a per-seq flag
  // and a count; no seq below lowest_unresolved_ is in it.
  seq_table<std::uint8_t> unresolved_;
  std::uint64_t unresolved_count_ = 0;
  std::uint64_t lowest_unresolved_ = no_seq;
  std::uint64_t calls_ = 0;
  std::uint64_t returns_ = 0;
  bool returned_ = false;
  bool closed_ = false;
};

}  // namespace flushcoord::properties

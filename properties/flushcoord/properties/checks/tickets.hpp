// Tickets: each ticket handed out is resolved exactly once, with the
// finalize's snapshot id on success and an error otherwise.
// Checked online from ticket_resolved events against finalize_end outcomes
// and the engine's manifest ids, and from what the workload read back; at
// the end, every flush submitted with a ticket has a resolved ticket.
#pragma once

#include <map>
#include <set>

#include "flushcoord/properties/facts.hpp"

namespace flushcoord::properties {

class tickets_check final : public checker {
 public:
  std::string_view name() const override { return "tickets"; }

  void observe(const fact& f, const violation_sink& fail) override {
    switch (f.kind) {
      case fact_kind::coordinator: on_event(f.event, fail); break;
      case fact_kind::manifest_published: manifest_[f.seq] = f.b; break;
      case fact_kind::ticket_read: on_read(f, fail); break;
      default: break;
    }
  }

  void finish(const end_state&, const violation_sink& fail) override {
    for (auto seq : submitted_)
      if (!resolved_.contains(seq))
        fail(name(), "the ticket of flush " + std::to_string(seq) + " was never resolved");
  }

 private:
  void on_event(const coordinator_event& e, const violation_sink& fail) {
    switch (e.kind) {
      case event_kind::submitted:
      case event_kind::stream_spawned: submitted_.insert(e.seq); break;
      case event_kind::submit_refused:  // a ready shut_down ticket, never pending
        resolved_[e.seq] = false;
        finalize_ok_[e.seq] = false;
        break;
      case event_kind::finalize_end: finalize_ok_[e.seq] = e.ok; break;
      case event_kind::shut_down_unfinalized: finalize_ok_[e.seq] = false; break;
      case event_kind::ticket_resolved:
        if (!resolved_.insert({e.seq, e.ok}).second)
          fail(name(), "the ticket of flush " + std::to_string(e.seq) + " was resolved twice");
        if (auto it = finalize_ok_.find(e.seq); it == finalize_ok_.end())
          fail(name(), "the ticket of flush " + std::to_string(e.seq) + " resolved before its finalize");
        else if (it->second != e.ok)
          fail(name(), "the ticket of flush " + std::to_string(e.seq) + " says " +
                           (e.ok ? "success" : "failure") + " but its finalize said otherwise");
        break;
      default: break;
    }
  }

  void on_read(const fact& f, const violation_sink& fail) {
    auto it = resolved_.find(f.seq);
    if (it == resolved_.end() || it->second != f.ok) {
      fail(name(), "ticket of flush " + std::to_string(f.seq) + " read a result the coordinator never resolved");
      return;
    }
    if (f.ok && manifest_[f.seq] != f.a)
      fail(name(), "ticket of flush " + std::to_string(f.seq) + " returned snapshot " + std::to_string(f.a) +
                       " but finalize published " + std::to_string(manifest_[f.seq]));
  }

  std::set<std::uint64_t> submitted_;
  std::map<std::uint64_t, bool> resolved_;
  std::map<std::uint64_t, bool> finalize_ok_;
  std::map<std::uint64_t, std::uint64_t> manifest_;
};

}  // namespace flushcoord::properties

// Tickets: each ticket handed out is resolved exactly once, with the
// finalize's snapshot id on success and an error otherwise.
// Checked online from ticket_resolved events against finalize_end outcomes
// and the engine's manifest ids, and from what the workload read back; at
// the end, every flush submitted with a ticket has a resolved ticket.
#pragma once

#include <cstdint>

#include "flushcoord/properties/facts.hpp"
#include "flushcoord/properties/seq_table.hpp"

namespace flushcoord::properties {

class tickets_check final : public checker {
 public:
  tickets_check() = default;
  explicit tickets_check(const run_facts& run) : flushes_(seq_limit(run.flushes_planned), run.flushes_planned) {}
  std::string_view name() const override { return "tickets"; }

  void observe(const fact& f, const violation_sink& fail) override {
    switch (f.kind) {
      case fact_kind::coordinator: on_event(f.event, fail); break;
      case fact_kind::manifest_published: flushes_[f.seq].manifest = f.b; break;
      case fact_kind::ticket_read: on_read(f, fail); break;
      default: break;
    }
  }

  void finish(const end_state&, const violation_sink& fail) override {
    flushes_.for_each([&](std::uint64_t seq, const flush& fl) {
      if (fl.submitted && !fl.resolved)
        fail(name(), "the ticket of flush " + std::to_string(seq) + " was never resolved");
    });
  }

 private:
  void on_event(const coordinator_event& e, const violation_sink& fail) {
    switch (e.kind) {
      case event_kind::submitted:
      case event_kind::stream_spawned: flushes_[e.seq].submitted = true; break;
      case event_kind::submit_refused: {  // a ready shut_down ticket, never pending
        flush& fl = flushes_[e.seq];
        fl.resolved = true;
        fl.resolved_ok = false;
        fl.finalized = true;
        fl.finalize_ok = false;
        break;
      }
      case event_kind::finalize_end: {
        flush& fl = flushes_[e.seq];
        fl.finalized = true;
        fl.finalize_ok = e.ok;
        break;
      }
      case event_kind::shut_down_unfinalized: {
        flush& fl = flushes_[e.seq];
        fl.finalized = true;
        fl.finalize_ok = false;
        break;
      }
      case event_kind::ticket_resolved: {
        flush& fl = flushes_[e.seq];
        if (fl.resolved) {  // the first resolution stands
          fail(name(), "the ticket of flush " + std::to_string(e.seq) + " was resolved twice");
        } else {
          fl.resolved = true;
          fl.resolved_ok = e.ok;
        }
        if (!fl.finalized)
          fail(name(), "the ticket of flush " + std::to_string(e.seq) + " resolved before its finalize");
        else if (fl.finalize_ok != e.ok)
          fail(name(), "the ticket of flush " + std::to_string(e.seq) + " says " +
                           (e.ok ? "success" : "failure") + " but its finalize said otherwise");
        break;
      }
      default: break;
    }
  }

  void on_read(const fact& f, const violation_sink& fail) {
    const flush fl = flushes_.get(f.seq);
    if (!fl.resolved || fl.resolved_ok != f.ok) {
      fail(name(), "ticket of flush " + std::to_string(f.seq) + " read a result the coordinator never resolved");
      return;
    }
    if (f.ok && fl.manifest != f.a)
      fail(name(), "ticket of flush " + std::to_string(f.seq) + " returned snapshot " + std::to_string(f.a) +
                       " but finalize published " + std::to_string(fl.manifest));
  }

  // Per flush, what a std::set (submitted) and three std::maps (resolved,
  // finalize_ok, manifest) held before: presence bits plus values. An absent
  // manifest reads as 0, as the map's operator[] did.
  struct flush {
    std::uint64_t manifest = 0;
    bool submitted = false;    // submitted or stream_spawned
    bool resolved = false;     // ticket resolved (or refused) ...
    bool resolved_ok = false;  // ... with this outcome
    bool finalized = false;    // finalize_end, shut_down_unfinalized or refused ...
    bool finalize_ok = false;  // ... with this outcome
  };
  seq_table<flush> flushes_;
};

}  // namespace flushcoord::properties

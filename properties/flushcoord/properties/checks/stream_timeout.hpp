// Stream timeout: a stream still running stream_timeout after it was
// spawned fails its flush with stream_timeout and is told to stop; whatever
// it returns later is dropped, never finalized (SPEC §2.1, §2.6).
// Checked online: when a stream returns later than its deadline, its flush
// must already have been timed out (or resolved by shutdown).
#pragma once

#include <cstdint>
#include <optional>

#include "flushcoord/properties/facts.hpp"
#include "flushcoord/properties/seq_table.hpp"

namespace flushcoord::properties {

class stream_timeout_check final : public checker {
 public:
  explicit stream_timeout_check(const run_facts& run)
      : timeout_ns_(run.stream_timeout_ns), flushes_(seq_limit(run.flushes_planned), run.stream_timeout_ns ? run.flushes_planned : 0) {}
  std::string_view name() const override { return "stream_timeout"; }

  void observe(const fact& f, const violation_sink& fail) override {
    if (f.kind != fact_kind::coordinator || !timeout_ns_) return;
    const auto& e = f.event;
    switch (e.kind) {
      case event_kind::stream_spawned: {
        flush& fl = flushes_[e.seq];
        fl.spawned_at_ns = f.time_ns;
        fl.spawned = true;
        break;
      }
      case event_kind::stream_timed_out:
      case event_kind::shut_down_unfinalized: flushes_[e.seq].resolved_early = true; break;
      case event_kind::stream_returned: {
        const flush fl = flushes_.get(e.seq);
        if (!fl.spawned) break;
        const std::int64_t ran = f.time_ns - fl.spawned_at_ns;
        if (ran > *timeout_ns_ && !fl.resolved_early)
          fail(name(), "the stream of flush " + std::to_string(e.seq) + " ran " + std::to_string(ran) +
                           "ns, past its stream_timeout of " + std::to_string(*timeout_ns_) +
                           "ns, and its flush was not failed");
        break;
      }
      default: break;
    }
  }

  void finish(const end_state&, const violation_sink&) override {}

 private:
  std::optional<std::int64_t> timeout_ns_;
  struct flush {
    std::int64_t spawned_at_ns = 0;  // when its (last) stream was spawned
    bool spawned = false;
    bool resolved_early = false;  // timed out or resolved by shutdown
  };
  seq_table<flush> flushes_;
};

}  // namespace flushcoord::properties

// Stream timeout: a stream still running stream_timeout after it was
// spawned fails its flush with stream_timeout and is told to stop; whatever
// it returns later is dropped, never finalized (SPEC §2.1, §2.6).
// Checked online: when a stream returns later than its deadline, its flush
// must already have been timed out (or resolved by shutdown).
#pragma once

#include <map>
#include <optional>
#include <set>

#include "flushcoord/properties/facts.hpp"

namespace flushcoord::properties {

class stream_timeout_check final : public checker {
 public:
  explicit stream_timeout_check(const run_facts& run) : timeout_ns_(run.stream_timeout_ns) {}
  std::string_view name() const override { return "stream_timeout"; }

  void observe(const fact& f, const violation_sink& fail) override {
    if (f.kind != fact_kind::coordinator || !timeout_ns_) return;
    const auto& e = f.event;
    switch (e.kind) {
      case event_kind::stream_spawned: spawned_at_[e.seq] = f.time_ns; break;
      case event_kind::stream_timed_out:
      case event_kind::shut_down_unfinalized: resolved_early_.insert(e.seq); break;
      case event_kind::stream_returned: {
        const auto it = spawned_at_.find(e.seq);
        if (it == spawned_at_.end()) break;
        const std::int64_t ran = f.time_ns - it->second;
        if (ran > *timeout_ns_ && !resolved_early_.contains(e.seq))
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
  std::map<std::uint64_t, std::int64_t> spawned_at_;
  std::set<std::uint64_t> resolved_early_;
};

}  // namespace flushcoord::properties

// Manifest chain: each published manifest's parent is the manifest the
// previous finalize published.
// Checked online on each publish. The parent is the engine's own link when
// its setup tells it (testing::setup's parent_key), as the model engine's
// does: its finalize reads the current manifest, passes a scheduling point
// (as a real engine does I/O), then publishes, so any overlap or
// reordering of finalizes breaks the link. Without parent_key the parent is
// the previous publish, and only the publish order is checked.
#pragma once

#include "flushcoord/properties/facts.hpp"

namespace flushcoord::properties {

class manifest_chain_check final : public checker {
 public:
  std::string_view name() const override { return "manifest_chain"; }

  void observe(const fact& f, const violation_sink& fail) override {
    if (f.kind != fact_kind::manifest_published) return;
    if (f.a != head_)
      fail(name(), "flush " + std::to_string(f.seq) + " published manifest " + std::to_string(f.b) +
                       " with parent " + std::to_string(f.a) + ", but the chain's head was " +
                       std::to_string(head_));
    if (f.seq < last_seq_published_)
      fail(name(), "flush " + std::to_string(f.seq) + " published after flush " +
                       std::to_string(last_seq_published_));
    head_ = f.b;
    last_seq_published_ = f.seq;
  }

  void finish(const end_state&, const violation_sink&) override {}

 private:
  std::uint64_t head_ = 0;  // the initial manifest
  std::uint64_t last_seq_published_ = 0;
};

}  // namespace flushcoord::properties

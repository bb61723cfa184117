// Ordered finalize: finalize or finalize_failure runs for sequence 0, 1, 2,
// ... in order, each exactly once, never two at the same time.
// Checked online on the engine's own calls (not the coordinator's word for
// it): each call's seq must be the next expected one and no call may start
// while another is running; at the end, every rotated flush that was not
// resolved by shutdown was finalized.
#pragma once

#include <set>

#include "flushcoord/properties/facts.hpp"

namespace flushcoord::properties {

class ordered_finalize_check final : public checker {
 public:
  std::string_view name() const override { return "ordered_finalize"; }

  void observe(const fact& f, const violation_sink& fail) override {
    if (f.kind == fact_kind::coordinator) {
      if (f.event.kind == event_kind::rotated) ++rotated_;
      if (f.event.kind == event_kind::shut_down_unfinalized) skip(f.event.seq, fail);
      return;
    }
    if (f.kind == fact_kind::finalize_called || f.kind == fact_kind::failure_called) {
      if (in_call_)
        fail(name(), "finalize of flush " + std::to_string(f.seq) + " started while flush " +
                         std::to_string(current_) + " was still being finalized");
      if (f.seq != next_)
        fail(name(), "finalize of flush " + std::to_string(f.seq) + " ran out of order: expected " +
                         std::to_string(next_));
      in_call_ = true;
      current_ = f.seq;
      next_ = f.seq + 1;
    } else if (f.kind == fact_kind::finalize_returned) {
      in_call_ = false;
    }
  }

  void finish(const end_state&, const violation_sink& fail) override {
    if (next_ != rotated_)
      fail(name(), std::to_string(rotated_) + " flushes rotated but finalize reached only " +
                       std::to_string(next_) + " (the rest were never finalized nor shut down)");
  }

 private:
  // A flush resolved by shutdown is never finalized: the order moves past it.
  void skip(std::uint64_t seq, const violation_sink& fail) {
    if (seq != next_)
      fail(name(), "flush " + std::to_string(seq) + " resolved by shutdown out of order: expected " +
                       std::to_string(next_));
    next_ = seq + 1;
  }

  std::uint64_t rotated_ = 0;
  std::uint64_t next_ = 0;
  std::uint64_t current_ = 0;
  bool in_call_ = false;
};

}  // namespace flushcoord::properties

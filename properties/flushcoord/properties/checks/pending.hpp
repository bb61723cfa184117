// Pending count: never negative (never wraps) and always equal to flushes
// rotated minus flushes finished.
// Checked online: every rotated and flush_finished event carries the
// coordinator's count after the change, compared with our own tally.
#pragma once

#include "flushcoord/properties/facts.hpp"

namespace flushcoord::properties {

class pending_check final : public checker {
 public:
  std::string_view name() const override { return "pending_count"; }

  void observe(const fact& f, const violation_sink& fail) override {
    if (f.kind != fact_kind::coordinator) return;
    const auto& e = f.event;
    if (e.kind == event_kind::rotated) ++rotated_;
    else if (e.kind == event_kind::flush_finished) ++finished_;
    else return;
    if (finished_ > rotated_) {
      fail(name(), "more flushes finished (" + std::to_string(finished_) + ") than rotated (" +
                       std::to_string(rotated_) + "): the count went negative");
      return;
    }
    if (e.count != rotated_ - finished_)
      fail(name(), "pending count is " + std::to_string(e.count) + " but rotated - finished = " +
                       std::to_string(rotated_ - finished_));
  }

  void finish(const end_state& end, const violation_sink& fail) override {
    if (finished_ != rotated_)
      fail(name(), std::to_string(rotated_ - finished_) + " flushes still pending at quiescence");
    if (end.pending && *end.pending != rotated_ - finished_)
      fail(name(), "pending_count()=" + std::to_string(*end.pending) + " at the end, expected " +
                       std::to_string(rotated_ - finished_));
  }

 private:
  std::uint64_t rotated_ = 0;
  std::uint64_t finished_ = 0;
};

}  // namespace flushcoord::properties

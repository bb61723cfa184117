// Permit bound and release: never more than max_pending_flushes permits are
// held; a flush's permit is released exactly once, and only after its
// finalize (or its shutdown resolution); all are back at quiescence.
// Checked online from the coordinator's permit events: permits held =
// acquired - released, and a flush's release must follow its finalize_end
// (or shut_down_unfinalized) and happen once.
#pragma once

#include <cstdint>

#include "flushcoord/properties/facts.hpp"
#include "flushcoord/properties/seq_table.hpp"

namespace flushcoord::properties {

class permits_check final : public checker {
 public:
  explicit permits_check(const run_facts& run)
      : max_(run.max_pending), flags_(seq_limit(run.flushes_planned), run.flushes_planned) {}
  std::string_view name() const override { return "permits"; }

  void observe(const fact& f, const violation_sink& fail) override {
    if (f.kind != fact_kind::coordinator) return;
    const auto& e = f.event;
    switch (e.kind) {
      case event_kind::permit_acquired:
        if (++held_ > max_)
          fail(name(), std::to_string(held_) + " permits held, more than max_pending_flushes=" +
                           std::to_string(max_));
        break;
      case event_kind::permit_released:
        if (held_ == 0) {
          fail(name(), "a permit was released while none was held (double release)");
          break;
        }
        --held_;
        if (e.seq != no_seq) flush_permit_released(e.seq, fail);
        break;
      case event_kind::finalize_end:
      case event_kind::shut_down_unfinalized:
        flags_[e.seq] |= resolved_bit;
        break;
      default:
        break;
    }
  }

  void finish(const end_state& end, const violation_sink& fail) override {
    if (held_ != 0)
      fail(name(), std::to_string(held_) + " permits still held at quiescence");
    if (end.permits_available && *end.permits_available != max_)
      fail(name(), "permits_available()=" + std::to_string(*end.permits_available) +
                       " at quiescence, expected " + std::to_string(max_));
  }

 private:
  void flush_permit_released(std::uint64_t seq, const violation_sink& fail) {
    std::uint8_t& f = flags_[seq];
    if ((f & resolved_bit) == 0)
      fail(name(), "permit of flush " + std::to_string(seq) + " released before its finalize");
    if ((f & released_bit) != 0)
      fail(name(), "permit of flush " + std::to_string(seq) + " released twice");
    f |= released_bit;
  }

  std::size_t max_;
  std::size_t held_ = 0;
  // Per flush: resolved (finalize_end or shut_down_unfinalized seen), and
  // permit released.
  static constexpr std::uint8_t resolved_bit = 1, released_bit = 2;
  seq_table<std::uint8_t> flags_;
};

}  // namespace flushcoord::properties

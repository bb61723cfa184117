// Diagnostics: failed_count() counts every flush that resolved with an
// error, and last_failure() is readable (SPEC §2.5).
// Checked at the end against our own count of failed finalize_end and
// shut_down_unfinalized events.
#pragma once

#include "flushcoord/properties/facts.hpp"

namespace flushcoord::properties {

class diagnostics_check final : public checker {
 public:
  std::string_view name() const override { return "diagnostics"; }

  void observe(const fact& f, const violation_sink&) override {
    if (f.kind != fact_kind::coordinator) return;
    if ((f.event.kind == event_kind::finalize_end && !f.event.ok) ||
        f.event.kind == event_kind::shut_down_unfinalized)
      ++failed_;
  }

  void finish(const end_state& end, const violation_sink& fail) override {
    if (end.failed_count && *end.failed_count != failed_)
      fail(name(), "failed_count()=" + std::to_string(*end.failed_count) + " but " +
                       std::to_string(failed_) + " flushes failed");
  }

 private:
  std::uint64_t failed_ = 0;
};

}  // namespace flushcoord::properties

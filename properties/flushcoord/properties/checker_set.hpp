// flushcoord/properties/checker_set.hpp — every §5 property, fed one fact stream.
//
// The set owns one checker per property (checks/*.hpp). The run feeds it
// every fact as it happens; the first violation is kept and handed to the
// run's sink (the simulator fails the run there, so the trace ends at the
// moment of violation). finish() runs the end-of-run checks on the history.
#pragma once

#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "flushcoord/properties/checks/diagnostics.hpp"
#include "flushcoord/properties/checks/drain.hpp"
#include "flushcoord/properties/checks/manifest_chain.hpp"
#include "flushcoord/properties/checks/ordered_finalize.hpp"
#include "flushcoord/properties/checks/outcome.hpp"
#include "flushcoord/properties/checks/pending.hpp"
#include "flushcoord/properties/checks/permits.hpp"
#include "flushcoord/properties/checks/shutdown.hpp"
#include "flushcoord/properties/checks/stream_timeout.hpp"
#include "flushcoord/properties/checks/tickets.hpp"
#include "flushcoord/properties/facts.hpp"

namespace flushcoord::properties {

struct violation {
  std::string property;
  std::string message;
};

class checker_set {
 public:
  /// `on_violation` is called once, for the first violation only.
  checker_set(const run_facts& run, violation_sink on_violation)
      : sink_(std::move(on_violation)),
        permits_(run),
        tickets_(run),
        shutdown_(run),
        stream_timeout_(run),
        outcome_(run) {
    record_ = [this](std::string_view property, const std::string& message) {
      if (first_) return;
      first_ = violation{std::string(property), message};
      if (sink_) sink_(property, message);
    };
  }

  /// Every checker sees the fact, always in the order below (the first
  /// violation wins, so the order is part of the result). The checkers are
  /// members of their final types: the calls are direct, not virtual.
#if defined(__GNUC__)
  [[gnu::flatten]]  // one body: every checker's observe inlined, in order
#endif
  void observe(const fact& f) {
    ++facts_seen_;
    each([&](auto& c) { c.observe(f, record_); });
  }

  void finish(const end_state& end) {
    each([&](auto& c) { c.finish(end, record_); });
  }

  /// A violation found outside the checkers: a user's own invariant
  /// (flushcoord::testing). Kept and handed on like the checkers' own.
  void report(std::string_view property, const std::string& message) { record_(property, message); }

  const std::optional<violation>& first_violation() const { return first_; }
  std::uint64_t facts_seen() const { return facts_seen_; }

 private:
  template <class F>
  void each(F&& f) {
    f(ordered_finalize_);
    f(permits_);
    f(tickets_);
    f(pending_);
    f(drain_);
    f(shutdown_);
    f(manifest_chain_);
    f(diagnostics_);
    f(stream_timeout_);
    f(outcome_);
  }

  violation_sink sink_;
  violation_sink record_;
  ordered_finalize_check ordered_finalize_;
  permits_check permits_;
  tickets_check tickets_;
  pending_check pending_;
  drain_check drain_;
  shutdown_check shutdown_;
  manifest_chain_check manifest_chain_;
  diagnostics_check diagnostics_;
  stream_timeout_check stream_timeout_;
  outcome_check outcome_;
  std::optional<violation> first_;
  std::uint64_t facts_seen_ = 0;
};

}  // namespace flushcoord::properties

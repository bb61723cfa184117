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
  checker_set(const run_facts& run, violation_sink on_violation) : sink_(std::move(on_violation)) {
    checks_.push_back(std::make_unique<ordered_finalize_check>());
    checks_.push_back(std::make_unique<permits_check>(run));
    checks_.push_back(std::make_unique<tickets_check>(run));
    checks_.push_back(std::make_unique<pending_check>());
    checks_.push_back(std::make_unique<drain_check>());
    checks_.push_back(std::make_unique<shutdown_check>(run));
    checks_.push_back(std::make_unique<manifest_chain_check>());
    checks_.push_back(std::make_unique<diagnostics_check>());
    checks_.push_back(std::make_unique<stream_timeout_check>(run));
    record_ = [this](std::string_view property, const std::string& message) {
      if (first_) return;
      first_ = violation{std::string(property), message};
      if (sink_) sink_(property, message);
    };
  }

  void observe(const fact& f) {
    ++facts_seen_;
    for (auto& c : checks_) c->observe(f, record_);
  }

  void finish(const end_state& end) {
    for (auto& c : checks_) c->finish(end, record_);
  }

  const std::optional<violation>& first_violation() const { return first_; }
  std::uint64_t facts_seen() const { return facts_seen_; }

 private:
  violation_sink sink_;
  violation_sink record_;
  std::vector<std::unique_ptr<checker>> checks_;
  std::optional<violation> first_;
  std::uint64_t facts_seen_ = 0;
};

}  // namespace flushcoord::properties

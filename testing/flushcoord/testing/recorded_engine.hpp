// flushcoord/testing/recorded_engine.hpp — the user's engine, observed.
//
// The coordinator in a simulated run owns a recorded_engine<S>, never the
// user's engine directly. It forwards finalize, finalize_failure and
// on_event to the user's engine unchanged, and turns each call and each
// coordinator event into a fact for the §5 checkers (properties/facts.hpp):
// the checkers judge what the coordinator did around *this* engine, with no
// knowledge of its internals. After each coordinator event it also checks
// the user's own invariant (S::invariant, optional).
//
// The rotated state carries the scenario's flush index next to the user's
// state, so the outcome oracle can match each flush to its plan.
#pragma once

#include <cstdint>
#include <string>
#include <utility>

#include "flushcoord/events.hpp"
#include "flushcoord/properties/world.hpp"
#include "flushcoord/sim/event.hpp"
#include "flushcoord/testing/setup.hpp"

namespace flushcoord::testing {

/// The property name a failing S::invariant reports.
inline constexpr const char* engine_invariant_property = "engine_invariant";

template <setup S>
class recorded_engine {
  using inner_engine = typename S::engine;

 public:
  struct rotated_state {
    std::size_t plan = 0;
    typename inner_engine::rotated_state user;
  };
  using outcome = typename inner_engine::outcome;
  using snapshot_id = typename inner_engine::snapshot_id;

  recorded_engine(inner_engine inner, properties::model_world& w, S& s)
      : inner_(std::move(inner)), w_(&w), setup_(&s) {}

  result<snapshot_id> finalize(std::uint64_t seq, const rotated_state& st, outcome&& out) {
    using properties::fact_kind;
    w_->note({.kind = fact_kind::finalize_called, .seq = seq, .a = st.plan});
    result<snapshot_id> r = call_finalize(seq, st, std::move(out));
    if (r.ok()) {
      // The parent is the engine's own link where it tells it
      // (S::parent_key), else the previous publish: then manifest_chain
      // checks only the order the coordinator published in.
      const std::uint64_t key = snapshot_key<S>(r.value());
      std::uint64_t parent = head_;
      if constexpr (has_parent_key<S>) parent = S::parent_key(r.value());
      w_->note({.kind = fact_kind::manifest_published, .seq = seq, .a = parent, .b = key});
      head_ = key;
    }
    w_->note({.kind = fact_kind::finalize_returned, .seq = seq});
    return r;
  }

  void finalize_failure(std::uint64_t seq, const rotated_state& st, const flush_error& err) {
    using properties::fact_kind;
    w_->note({.kind = fact_kind::failure_called, .seq = seq, .a = st.plan, .code = err.code});
    try {
      inner_.finalize_failure(seq, st.user, err);
    } catch (...) {
      w_->note({.kind = fact_kind::finalize_returned, .seq = seq});
      throw;
    }
    w_->note({.kind = fact_kind::finalize_returned, .seq = seq});
  }

  void on_event(const coordinator_event& e) {
    if constexpr (requires { inner_.on_event(e); }) inner_.on_event(e);
    w_->note({.kind = properties::fact_kind::coordinator, .event = e});
    if constexpr (has_invariant<S>)
      if (auto broken = std::as_const(*setup_).invariant())
        w_->checks->report(engine_invariant_property, "after coordinator event " + std::string(sim::to_string(e.kind)) +
                                                          " (seq " + std::to_string(e.seq) + "): " + *broken);
  }

 private:
  result<snapshot_id> call_finalize(std::uint64_t seq, const rotated_state& st, outcome&& out) {
    try {
      return inner_.finalize(seq, st.user, std::move(out));
    } catch (...) {
      w_->note({.kind = properties::fact_kind::finalize_returned, .seq = seq});
      throw;
    }
  }

  inner_engine inner_;
  properties::model_world* w_;
  S* setup_;
  std::uint64_t head_ = 0;  // the key the previous finalize published
};

}  // namespace flushcoord::testing

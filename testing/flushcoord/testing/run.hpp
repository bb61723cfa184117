// flushcoord/testing/run.hpp — one scenario, one simulated run of a user's engine.
//
// testing::run<S> is properties::run_scenario for the engine of setup S:
// the same workload, fault injection, liveness phase and §5 checkers
// (properties/workload.hpp), with the user's engine behind a recorded_engine.
// Its address is a properties::scenario_runner, which is what campaigns,
// replay and shrink (testing::check, testing::main) take.
#pragma once

#include <memory>

#include "flushcoord/properties/workload.hpp"
#include "flushcoord/testing/recorded_engine.hpp"
#include "flushcoord/testing/setup.hpp"

namespace flushcoord::testing {

/// The property name a failing S::at_end reports.
inline constexpr const char* engine_at_end_property = "engine_at_end";

/// workload.hpp's adapter for setup S.
template <setup S>
class setup_adapter {
 public:
  using engine = recorded_engine<S>;

  explicit setup_adapter(properties::model_world& w)
      : w_(&w), setup_(std::make_unique<S>(
            run_context{w.rt, w.sc->flushes.size(), injected_faults(*w.sc), &w.flush_lock})) {}

  engine make_engine() { return engine(setup_->make_engine(), *w_, *setup_); }
  typename engine::rotated_state rotated_state_for(std::size_t plan) { return {plan, setup_->rotate(plan)}; }
  result<typename engine::outcome> produce(std::size_t, const typename engine::rotated_state& st,
                                           std::stop_token stop) {
    return setup_->stream(st.user, stop);
  }
  static std::uint64_t key(const typename engine::snapshot_id& id) { return snapshot_key<S>(id); }

  void started() {
    if constexpr (has_start_stop<S>) setup_->start();
  }
  void stopping() {
    if constexpr (has_start_stop<S>) setup_->stop();
  }
  void finished() {
    if constexpr (has_invariant<S>)
      if (auto broken = std::as_const(*setup_).invariant())
        w_->checks->report(engine_invariant_property, "at the end of the run: " + *broken);
    if constexpr (has_at_end<S>)
      if (auto broken = setup_->at_end()) w_->checks->report(engine_at_end_property, *broken);
  }

 private:
  properties::model_world* w_;
  std::unique_ptr<S> setup_;  // on the heap: the engine and its tasks point into it
};

/// Runs `sc` on `sim` around S's engine; every property and S's own
/// invariants checked. Never throws for a failure of the run.
template <setup S>
properties::scenario_outcome run(const properties::scenario& sc, sim::simulator& sim) {
  return properties::run_workload(sc, sim, [](properties::model_world& w) { return setup_adapter<S>(w); });
}

}  // namespace flushcoord::testing

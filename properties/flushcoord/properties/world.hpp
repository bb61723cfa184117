// flushcoord/properties/world.hpp — what one run's tasks share.
//
// The simulator, the runtime on it, the scenario, the checkers, and the
// workload's flush lock: the same for the model engine and a user's engine
// (workload.hpp). `manifest` is the model engine's chain head; a user's
// engine keeps its own state and leaves it alone.
#pragma once

#include <cstdint>
#include <optional>

#include "flushcoord/properties/checker_set.hpp"
#include "flushcoord/properties/scenario.hpp"
#include "flushcoord/sim/runtime.hpp"
#include "flushcoord/sim/simulator.hpp"

namespace flushcoord::properties {

/// One run's shared world: what the workload tasks and the engine share.
struct model_world {
  sim::simulator* sim = nullptr;
  sim::runtime rt;
  const scenario* sc = nullptr;
  checker_set* checks = nullptr;
  sim::mutex flush_lock{"engine.flush_lock"};  // the engine's own lock (rotate, finalize)
  std::uint64_t manifest = 0;    // the chain's head; 0 is the initial manifest
  std::optional<end_state> end;  // read by main before it destroys the coordinator

  void note(fact f) {
    f.time_ns = rt.now().count();
    checks->observe(f);
  }

  const flush_plan& plan(std::size_t i) const { return sc->flushes.at(i); }
};

}  // namespace flushcoord::properties

// flushcoord/properties/world.hpp — what one run's tasks share.
//
// The simulator, the runtime on it, the scenario, the checkers, and the
// workload's flush lock: the same for every engine (workload.hpp), the
// model engine included. An engine keeps its own state in its setup.
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
  sim::mutex flush_lock{"engine.flush_lock"};  // the writers' lock around rotate (run_context::flush_lock)
  std::optional<end_state> end;  // read by main before it destroys the coordinator

  void note(fact f) {
    f.time_ns = rt.now().count();
    checks->observe(f);
  }

  const flush_plan& plan(std::size_t i) const { return sc->flushes.at(i); }
};

}  // namespace flushcoord::properties

#include "flushcoord/properties/run_scenario.hpp"

#include "flushcoord/testing/run.hpp"
#include "model_setup.hpp"

namespace flushcoord::properties {

std::size_t live_coordinator_tasks(const sim::simulator& sim) {
  std::size_t live = 0;
  for (sim::task_id id = 0; id < sim.task_count(); ++id) {
    const sim::task_info t = sim.task(id);
    if (!t.finished && (t.name == "stream" || t.name == "finalizer")) ++live;
  }
  return live;
}

std::string failed_property(const scenario_outcome& out) {
  if (out.run.ok()) return "none";
  if (out.violated) return out.violated->property;
  return std::string(sim::to_string(out.run.failed->what));
}

std::string scenario_outcome::describe() const {
  if (run.ok()) return "ok";
  if (violated) return "property " + violated->property + ": " + violated->message;
  return std::string(sim::to_string(run.failed->what)) + ": " + run.failed->message;
}

// The model engine through the harness users have (issue 11, item 4).
scenario_outcome run_scenario(const scenario& sc, sim::simulator& sim) { return testing::run<model_setup>(sc, sim); }

}  // namespace flushcoord::properties

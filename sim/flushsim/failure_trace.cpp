// sim/flushsim/failure_trace.cpp
#include "failure_trace.hpp"

#include <fmt/format.h>

#include "subject.hpp"
#include "exit_codes.hpp"
#include "flushcoord/sim/simulator.hpp"
#include "mutant.hpp"
#include "seed_runner.hpp"

namespace flushsim {

namespace fs = flushcoord::sim;
namespace fp = flushcoord::properties;

void copy_run_log(const fs::simulator& sim, fs::trace& t) {
  const auto events = sim.events();
  const std::size_t keep = std::min(events.size(), trace_events_max);
  t.events_omitted = events.size() - keep;
  t.events.assign(events.end() - static_cast<std::ptrdiff_t>(keep), events.end());
  // The kept note events' texts, renumbered from 0 (trace::notes).
  t.notes.clear();
  const auto notes = sim.notes();
  for (fs::event& e : t.events)
    if (e.kind == fs::event_kind::note) {
      t.notes.push_back(e.object < notes.size() ? notes[e.object] : std::string());
      e.object = static_cast<fs::object_id>(t.notes.size() - 1);
    }
  t.task_names.clear();
  for (fs::task_id id = 0; id < sim.task_count(); ++id) t.task_names.emplace_back(sim.task(id).name);
  const auto names = [](std::size_t count, auto name_of) {
    std::vector<std::string> out(count + 1);  // [0] unused: ids start at 1
    for (fs::object_id id = 1; id <= count; ++id)
      if (const char* n = name_of(id)) out[id] = n;
    return out;
  };
  t.mutex_names = names(sim.mutex_count(), [&](fs::object_id id) { return sim.mutex_name(id); });
  t.condvar_names = names(sim.condvar_count(), [&](fs::object_id id) { return sim.condvar_name(id); });
}

fs::trace record_trace(const fp::scenario& sc, std::uint64_t seed, const trace_origin& origin,
                       fp::scenario_outcome& outcome) {
  fs::config cfg;
  cfg.seed = seed;
  cfg.record_events = true;
  reseedable_strategy strategy(origin.strategy);
  strategy.set_seed(seed);
  strategy.expect_steps(expected_steps_for(sc));  // as seed_runner::run does
  fs::simulator sim(cfg, strategy);
  outcome = run_subject(sc, sim);
  fs::trace t;
  t.seed = seed;
  t.strategy = origin.strategy;
  t.mutant = origin.mutant;
  t.failed = outcome.run.failed;
  t.steps = outcome.run.steps;
  t.decision_hash = outcome.run.decision_hash;
  t.event_hash = outcome.run.event_hash;
  t.end_time_ns = outcome.run.end_time.count();
  t.rerun = origin.rerun;
  t.scenario = fp::to_text(sc);
  const auto ds = sim.decisions().decisions();
  t.decisions.assign(ds.begin(), ds.end());
  copy_run_log(sim, t);
  return t;
}

std::filesystem::path write_trace_file(const std::filesystem::path& dir, const std::string& stem,
                                       const fs::trace& t) {
  std::error_code ec;
  std::filesystem::create_directories(dir, ec);
  if (ec) throw usage_error(fmt::format("cannot create the trace folder {}: {}", dir.string(), ec.message()));
  const auto path = dir / (stem + ".trace");
  try {
    fs::save_trace(path, t);
  } catch (const std::exception& e) {
    throw usage_error(e.what());
  }
  return path;
}

std::string seed_trace_stem(std::uint64_t seed, fs::failure_class what) {
  return fmt::format("seed-{}-{}", seed, fs::to_string(what));
}

std::string replay_command(const std::filesystem::path& path) {
  return fmt::format("{} replay {}", tool_name(), path.string());
}

}  // namespace flushsim

// sim/flushsim/replay.cpp
#include "replay.hpp"

#include <fmt/format.h>

#include "subject.hpp"
#include "exit_codes.hpp"
#include "flushcoord/sim/replay_scheduler.hpp"
#include "flushcoord/sim/simulator.hpp"
#include "mutant.hpp"
#include "trace_input.hpp"

namespace flushsim {

namespace fs = flushcoord::sim;
namespace fp = flushcoord::properties;

namespace {

bool same_failure(const std::optional<fs::failure>& a, const std::optional<fs::failure>& b) {
  if (a.has_value() != b.has_value()) return false;
  return !a || (a->what == b->what && a->message == b->message);
}

std::string verdict_of(const std::optional<fs::failure>& f) { return f ? describe_failure(*f) : "ok"; }

/// Set by announce_break: whether the requested step was reached.
bool break_reached = false;

/// Says where the run stopped, then hands over to the debugger (it raises
/// SIGTRAP when one is attached).
void announce_break(const fs::break_point& where) {
  break_reached = true;
  fmt::print(stderr, "flushsim: stopped just before step {}, in {}#{}, at {} ns of virtual time{}\n", where.step,
             where.task_name, where.task, where.time_ns,
             fs::debugger_attached() ? "" : " (no debugger attached: going on; see docs/debugging.md)");
  std::fflush(stderr);
  flushcoord_sim_break(&where);
  asm volatile("" ::: "memory");  // not a tail call: this frame stays visible
}

void print_divergence(std::FILE* out, const fs::trace& t, const replay_outcome& r, const std::string& where) {
  const auto& run = r.run.run;
  fmt::print(out,
             "replay of {} diverged from the recording:\n"
             "  recorded: {} (decision hash {:016x}, event hash {:016x}, {} decisions)\n"
             "  replayed: {} (decision hash {:016x}, event hash {:016x}, {} decisions)\n",
             where, verdict_of(t.failed), t.decision_hash, t.event_hash, t.decisions.size(), verdict_of(run.failed),
             run.decision_hash, run.event_hash, run.decisions);
  const std::string rerun = t.rerun.empty() ? fmt::format("{} run --seeds {}..{}", tool_name(), t.seed, t.seed) : t.rerun;
  fmt::print(out, "this trace was written by a different build; replay the scenario+seed instead: {}\n", rerun);
}

}  // namespace

std::string describe_failure(const fs::failure& f) { return fmt::format("{}: {}", fs::to_string(f.what), f.message); }

replay_outcome replay_trace(const fs::trace& t, const std::string& where, std::uint64_t break_at_step) {
  if (t.mutant && !mutants_supported())
    throw usage_error(fmt::format("{}: this trace was recorded with mutant '{}', which only the test build has; "
                                  "replay it with: flushsim_mutants replay {}",
                                  where, *t.mutant, where));
  select_mutant(t.mutant);
  const fp::scenario sc = parse_scenario_at(t.scenario, where + " (scenario section)", 1);
  fs::replay_scheduler strategy(t.decisions);
  fs::config cfg;
  cfg.seed = t.seed;
  cfg.break_at_step = break_at_step;
  cfg.on_break = &announce_break;
  fs::simulator sim(cfg, strategy);
  replay_outcome r;
  r.run = run_subject(sc, sim);
  r.exact = same_failure(t.failed, r.run.run.failed) && r.run.run.decision_hash == t.decision_hash &&
            r.run.run.event_hash == t.event_hash;
  return r;
}

int replay_main(const std::filesystem::path& file, std::FILE* out, std::optional<std::uint64_t> break_at_step) {
  const fs::trace t = read_trace_file(file);
  if (break_at_step && *break_at_step > t.steps)
    throw usage_error(fmt::format("--break-at-step {}: {} has only {} steps (0..{})", *break_at_step, file.string(),
                                  t.steps, t.steps));
  break_reached = false;
  const replay_outcome r = replay_trace(t, file.string(), break_at_step.value_or(fs::no_break_step));
  if (break_at_step && !break_reached)
    fmt::print(out, "note: no task resumed at step {}; the run did not stop\n", *break_at_step);
  if (!r.exact) {
    print_divergence(out, t, r, file.string());
    return exit_replay_diverged;
  }
  fmt::print(out, "replayed exactly: {}\n", verdict_of(t.failed));
  if (t.failed && !r.run.run.failed->report.empty()) fmt::print(out, "{}", r.run.run.failed->report);
  return t.failed ? exit_failure_found : exit_clean;
}

}  // namespace flushsim

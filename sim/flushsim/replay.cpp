// sim/flushsim/replay.cpp
#include "replay.hpp"

#include <fmt/format.h>

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

replay_outcome replay_trace(const fs::trace& t, const std::string& where) {
  if (t.mutant && !mutants_supported())
    throw usage_error(fmt::format("{}: this trace was recorded with mutant '{}', which only the test build has; "
                                  "replay it with: flushsim_mutants replay {}",
                                  where, *t.mutant, where));
  select_mutant(t.mutant);
  const fp::scenario sc = parse_scenario_at(t.scenario, where + " (scenario section)", 1);
  fs::replay_scheduler strategy(t.decisions);
  fs::config cfg;
  cfg.seed = t.seed;
  fs::simulator sim(cfg, strategy);
  replay_outcome r;
  r.run = fp::run_scenario(sc, sim);
  r.exact = same_failure(t.failed, r.run.run.failed) && r.run.run.decision_hash == t.decision_hash &&
            r.run.run.event_hash == t.event_hash;
  return r;
}

int replay_main(const std::filesystem::path& file, std::FILE* out) {
  const fs::trace t = read_trace_file(file);
  const replay_outcome r = replay_trace(t, file.string());
  if (!r.exact) {
    print_divergence(out, t, r, file.string());
    return exit_replay_diverged;
  }
  fmt::print(out, "replayed exactly: {}\n", verdict_of(t.failed));
  if (t.failed && !r.run.run.failed->report.empty()) fmt::print(out, "{}", r.run.run.failed->report);
  return t.failed ? exit_failure_found : exit_clean;
}

}  // namespace flushsim

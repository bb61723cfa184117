// sim/flushsim/run_command.cpp
#include "run_command.hpp"

#include <fmt/format.h>

#include "exit_codes.hpp"
#include "failure_trace.hpp"
#include "mutant.hpp"
#include "seed_runner.hpp"
#include "summary.hpp"

namespace flushsim {

namespace fp = flushcoord::properties;

namespace {

/// Records and writes the trace of one failing seed; prints the failure.
reported_failure report_one(const run_args& args, const seed_failure& f, std::FILE* out) {
  reported_failure r{f, std::nullopt};
  fmt::print(out, "seed {}: {}: {}\n", f.seed, flushcoord::sim::to_string(f.failure.what), f.failure.message);
  const fp::scenario sc = scenario_for(args.campaign.generator, args.campaign.strategy, f.seed);
  fp::scenario_outcome recorded;
  const auto t = record_trace(sc, f.seed, trace_origin{args.mutant, rerun_command(args, f.seed), args.campaign.strategy},
                              recorded);
  // A nondeterminism failure is about two runs differing; any other failure
  // must come back identically when recorded.
  const auto& again = recorded.run.failed;
  const bool same = again && again->what == f.failure.what && again->message == f.failure.message;
  if (!same && f.failure.what != flushcoord::sim::failure_class::nondeterminism)
    fmt::print(out, "  note: the recording run ended differently ({}): the run is not deterministic\n",
               recorded.describe());
  r.trace = write_trace_file(args.out_dir, seed_trace_stem(f.seed, f.failure.what), t);
  fmt::print(out, "  replay: {}\n", replay_command(*r.trace));
  return r;
}

}  // namespace

std::string rerun_command(const run_args& args, std::uint64_t seed) {
  const fp::generator_options defaults;
  const auto& g = args.campaign.generator;
  std::string cmd = fmt::format("{} run --seeds {}..{}", tool_name(), seed, seed);
  if (g.flushes_max != defaults.flushes_max) cmd += fmt::format(" --flushes-max {}", g.flushes_max);
  if (g.max_pending_max != defaults.max_pending_max) cmd += fmt::format(" --max-pending-max {}", g.max_pending_max);
  if (!g.swarm) cmd += " --no-swarm";
  if (args.campaign.strategy != "random") cmd += " --strategy " + args.campaign.strategy;
  if (args.mutant) cmd += " --mutant " + *args.mutant;
  return cmd;
}

int run_main(const run_args& args, std::FILE* out, std::vector<reported_failure>* failures,
             std::uint64_t* seeds_run) {
  select_mutant(args.mutant);
  const campaign_result result = run_campaign(args.campaign);
  campaign_report report{args.campaign, result, {}, args.mutant, args.coverage};
  for (std::size_t i = 0; i < result.failures.size(); ++i) {
    if (i < traces_per_campaign_max) {
      report.failures.push_back(report_one(args, result.failures[i], out));
    } else {
      report.failures.push_back(reported_failure{result.failures[i], std::nullopt});
    }
  }
  if (result.failures.size() > traces_per_campaign_max)
    fmt::print(out, "... and {} more failing seeds, without traces (all are listed by --json)\n",
               result.failures.size() - traces_per_campaign_max);
  print_summary(out, report);
  if (args.json) write_json(*args.json, summary_json(report));
  if (failures) *failures = report.failures;
  if (seeds_run) *seeds_run = result.seeds_run;
  return result.failures.empty() ? exit_clean : exit_failure_found;
}

}  // namespace flushsim

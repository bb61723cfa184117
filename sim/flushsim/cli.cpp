// sim/flushsim/cli.cpp
#include "cli.hpp"

#include "flushcoord/sim/portfolio.hpp"

#include <cstdint>
#include <cstdio>
#include <fstream>
#include <limits>
#include <string>
#include <vector>

#include <CLI/CLI.hpp>
#include <fmt/format.h>

#include "chrome_trace.hpp"
#include "corpus.hpp"
#include "exit_codes.hpp"
#include "merge.hpp"
#include "mutant.hpp"
#include "progress.hpp"
#include "replay.hpp"
#include "run_command.hpp"
#include "search_commands.hpp"
#include "show.hpp"
#include "summary.hpp"
#include "trace_input.hpp"

namespace flushsim {

namespace {

constexpr const char* footer = R"(Exit status:
  0  clean (no failing seed; every corpus entry passes)
  1  a failure was found; for replay: the recorded failure reproduced exactly
  2  bad usage or bad input (arguments, trace or corpus file, I/O)
  3  replay diverged: the trace was written by a different build
  4  internal error of flushsim

A failing seed writes <out>/seed-<N>-<class>.trace and prints the command
that replays it. Trace format: docs/trace-format.md.

Splitting a campaign over machines: --shard K/N runs the seeds with
seed % N == K-1, so N independent jobs cover the range with no coordination
(each writes its own --json; a failure's trace names its seed):
  Slurm:        sbatch --array=1-8 --wrap 'flushsim run --seeds 0..7999999
                  --shard ${SLURM_ARRAY_TASK_ID}/8 --jobs ${SLURM_CPUS_PER_TASK}
                  --json summary-${SLURM_ARRAY_TASK_ID}.json'
  Kubernetes:   an Indexed Job (completionMode: Indexed, completions: 8) with
                  flushsim run --seeds 0..7999999 --shard $((JOB_COMPLETION_INDEX+1))/8
  GNU parallel: parallel -S host1,host2 flushsim run --seeds 0..7999999
                  --shard {}/8 --jobs 2 --json summary-{}.json ::: 1 2 3 4 5 6 7 8)";

/// Everything the command line can say, filled in by CLI11.
struct command_line {
  std::string seeds;
  std::string shard = "1/1";
  std::string strategy = "random";
  std::optional<std::string> mutant;
  std::string json;
  std::string out_dir = "flushsim-traces";
  run_args run;
  std::string file;
  std::string chrome_out;
  show_options show;
  std::optional<std::uint64_t> break_at_step;
  std::vector<std::string> corpus_paths;
  std::vector<std::string> merge_files;
  search_args search;  // explore, shrink, compare (search_commands.hpp)
};

void add_run(CLI::App& app, command_line& c) {
  CLI::App* run = app.add_subcommand("run", "Run a campaign of seeds (each seed: a scenario and a schedule)");
  // A repeated option takes its last value, so scripts/sim's defaults can be
  // overridden by the arguments passed after them.
  run->option_defaults()->multi_option_policy(CLI::MultiOptionPolicy::TakeLast);
  auto& o = c.run.campaign;
  run->add_option("--seeds", c.seeds, "Inclusive seed range A..B (an upper bound with --time-budget)");
  run->add_option("--strategy", c.strategy,
                  "Scheduling strategy: random | pct1 | pct2 | pct3 | pct (= pct2) | portfolio "
                  "(alternates random and PCT d=1..3, and swarm on/off, by seed)")
      ->check(CLI::IsMember(std::vector<std::string>(flushcoord::sim::strategy_names.begin(),
                                                      flushcoord::sim::strategy_names.end())));
  run->add_option("--jobs", o.jobs, "Threads, each running its own simulator")->check(CLI::Range(1u, 1024u));
  run->add_option("--shard", c.shard, "Run only shard K of N (1-based): seeds with seed % N == K-1");
  run->add_option("--time-budget", o.time_budget_s, "Stop handing out seeds after this many wall-clock seconds")
      ->check(CLI::PositiveNumber);
  run->add_option("--json", c.json, "Write the summary as JSON to FILE");
  run->add_option("--out", c.out_dir, "Folder for the traces of failing seeds")->capture_default_str();
  run->add_flag("--check-determinism", o.check_determinism, "Run every seed twice and compare the hashes");
  run->add_option("--flushes-max", o.generator.flushes_max, "Most flushes per scenario")
      ->check(CLI::Range(std::size_t{1}, std::size_t{100000}))->capture_default_str();
  run->add_option("--max-pending-max", o.generator.max_pending_max, "Largest max_pending drawn")
      ->check(CLI::Range(std::size_t{1}, std::size_t{1024}))->capture_default_str();
  run->add_flag("--no-swarm", [&o](std::int64_t) { o.generator.swarm = false; },
                "Enable every fault kind in every scenario (no swarm testing)");
  run->add_flag("--stop-on-first", o.stop_on_first, "Stop at the lowest failing seed");
  run->add_flag("--coverage", c.run.coverage,
                "Print how many seeds hit each coverage mark of core/ (and add them to --json)");
  if (mutants_supported()) run->add_option("--mutant", c.mutant, "Run the coordinator with this mutant switched on");
}

void add_commands(CLI::App& app, command_line& c) {
  add_run(app, c);
  CLI::App* replay = app.add_subcommand("replay", "Replay a trace file and check that it reproduces exactly");
  replay->add_option("file", c.file, "The trace file")->required();
  replay->add_option("--break-at-step", c.break_at_step,
                     "Stop just before step N, in the task that runs it (under gdb: SIGTRAP in "
                     "flushcoord_sim_break; docs/debugging.md)");
  CLI::App* show = app.add_subcommand("show", "Print a trace file as a timeline");
  show->add_option("file", c.file, "The trace file")->required();
  show->add_option("--chrome-trace", c.chrome_out, "Also write Chrome Trace Event JSON (opens in Perfetto)");
  show->add_option("--level", c.show.level,
                   "coordinator: the flushes' story in plain words; runtime: every scheduling point")
      ->check(CLI::IsMember({"coordinator", "runtime"}))->capture_default_str();
  show->add_option("--flush", c.show.flush, "Only the lines about this flush (its sequence number)");
  show->add_option("--task", c.show.task, "Only the lines of this task: a label (writer#2) or a name (writer)");
  CLI::App* corpus = app.add_subcommand("corpus", "Run the regression corpus under today's code");
  corpus->add_option("paths", c.corpus_paths, "Corpus folders or entry files")->required();
  corpus->add_option("--out", c.out_dir, "Folder for the traces of failing entries")->capture_default_str();
  CLI::App* merge = app.add_subcommand("merge", "Merge the --json summaries of a sharded campaign into one");
  merge->add_option("summaries", c.merge_files, "The shards' summary files")->required();
  merge->add_option("--json", c.json, "Write the merged summary as JSON to FILE");
  if (mutants_supported()) app.add_subcommand("mutants", "List the mutant catalogue");
  add_search_commands(app, c.search);
}

/// The checks CLI11 cannot express; throws usage_error.
void finish_run_args(command_line& c) {
  auto& o = c.run.campaign;
  if (!c.seeds.empty()) {
    o.seeds = parse_seed_range(c.seeds);
  } else if (o.time_budget_s) {
    o.seeds = {0, std::numeric_limits<std::uint64_t>::max()};
  } else {
    throw usage_error("run needs --seeds A..B (or --time-budget SECONDS to run until the time is up)");
  }
  o.part = parse_shard(c.shard);
  o.strategy = c.strategy;
  o.progress = progress_line::stderr_is_tty();
  c.run.mutant = c.mutant;
  c.run.out_dir = c.out_dir;
  if (!c.json.empty()) c.run.json = c.json;
}

int show_main(const command_line& c) {
  const auto t = read_trace_file(c.file);
  fmt::print("{}", format_timeline(t, c.show));
  if (c.chrome_out.empty()) return exit_clean;
  std::ofstream out(c.chrome_out, std::ios::trunc);
  out << chrome_trace(t).dump() << '\n';
  out.close();
  if (!out) throw usage_error(fmt::format("cannot write {}", c.chrome_out));
  fmt::print("chrome trace written to {} (open it in https://ui.perfetto.dev)\n", c.chrome_out);
  return exit_clean;
}

int dispatch(const CLI::App& app, command_line& c) {
  if (app.got_subcommand("run")) {
    finish_run_args(c);
    return run_main(c.run, stdout);
  }
  if (app.got_subcommand("replay")) return replay_main(c.file, stdout, c.break_at_step);
  if (app.got_subcommand("show")) return show_main(c);
  if (app.got_subcommand("corpus")) return corpus_main(c.corpus_paths, c.out_dir, stdout);
  if (app.got_subcommand("merge")) return merge_main(c.merge_files, c.json, stdout);
  if (auto status = dispatch_search(app, c.search)) return *status;
  fmt::print("{}", mutant_catalogue());
  return exit_clean;
}

}  // namespace

int cli_main(int argc, char** argv) {
  const std::string name(tool_name());
  CLI::App app{name + " — deterministic simulation campaigns for flushcoord", name};
  app.require_subcommand(1);
  app.footer(footer);
  command_line c;
  add_commands(app, c);
  try {
    app.parse(argc, argv);
  } catch (const CLI::ParseError& e) {
    // --help is a "parse error" with status 0; every real one is usage: 2.
    return app.exit(e) == 0 ? exit_clean : exit_bad_input;
  }
  try {
    return dispatch(app, c);
  } catch (const usage_error& e) {
    fmt::print(stderr, "{}: error: {}\n", name, e.what());
    return exit_bad_input;
  } catch (const std::exception& e) {
    fmt::print(stderr, "{}: internal error: {}\n", name, e.what());
    return exit_internal_error;
  }
}

}  // namespace flushsim

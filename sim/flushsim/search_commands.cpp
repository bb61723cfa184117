// sim/flushsim/search_commands.cpp — see search_commands.hpp.
#include "search_commands.hpp"

#include <charconv>
#include <chrono>
#include <cstdio>
#include <fstream>
#include <limits>
#include <sstream>

#include <fmt/format.h>

#include "subject.hpp"
#include "compare.hpp"
#include "corpus_file.hpp"
#include "exit_codes.hpp"
#include "failure_trace.hpp"
#include "flushcoord/properties/shrink.hpp"
#include "flushcoord/sim/replay_scheduler.hpp"
#include "mutant.hpp"
#include "trace_input.hpp"

namespace flushsim {

namespace fs = flushcoord::sim;
namespace fp = flushcoord::properties;

namespace {

void add_explore(CLI::App& app, search_args& a) {
  CLI::App* e = app.add_subcommand("explore", "Explore every schedule of a small scenario (DPOR; presets, fault choices)");
  auto& o = a.explore;
  e->add_option("--flushes", o.flushes, "Flushes")->check(CLI::Range(std::size_t{1}, std::size_t{16}))->capture_default_str();
  e->add_option("--max-pending", o.max_pending, "Permits")->check(CLI::Range(std::size_t{1}, std::size_t{16}))->capture_default_str();
  e->add_option("--drains", o.drains, "Drain calls")->check(CLI::Range(std::size_t{0}, std::size_t{4}))->capture_default_str();
  e->add_option("--shutdowns", o.shutdowns, "Shutdown calls")->check(CLI::Range(std::size_t{0}, std::size_t{4}))->capture_default_str();
  e->add_option("--preemption-bound", a.bound, "Most preemptions per schedule, or 'none' (dpor leaves out only branches whose every execution exceeds it)")
      ->capture_default_str();
  e->add_option("--por", a.por, "Reduction: dpor (source-DPOR + sleep sets), sleep-sets (bounded DFS), none")
      ->capture_default_str();
  e->add_option("--faults", a.faults, "Fault per flush, cycled: none,stream_error,stream_throw,...");
  e->add_option("--fault-choices", a.fault_choices,
                "Each flush's fault is a choice among these (none always is), all combinations explored; "
                "runtime_stop adds the runtime stopping at 0.5 ms; 'all' for every fault site");
  e->add_option("--writers", o.writers, "Writer tasks (flush i is writer i mod W's)")
      ->check(CLI::Range(std::uint32_t{1}, std::uint32_t{4}))->capture_default_str();
  e->add_option("--acquire-for", o.acquire_for_ns, "Timed permit acquire with this timeout in ns (0: blocking)")
      ->check(CLI::Range(std::int64_t{0}, std::int64_t{60'000'000'000}))->capture_default_str();
  e->add_option("--close-at", o.close_at_ns, "A close() call at this virtual time in ns (repeatable)")
      ->check(CLI::Range(std::int64_t{0}, std::int64_t{60'000'000'000}));
  e->add_option("--scenario", a.scenario_file,
                "Explore this scenario (a scenario text, a trace or a corpus entry: its scenario) instead of the fixed one");
  e->add_option("--preset", a.preset, "A named configuration ('list' prints them); not with --flushes and the other shape options");
  e->add_flag("--no-por", a.no_por, "Same as --por none");
  e->add_flag("--sound-bound", o.bound_sound, "Sleep sets that provably keep every schedule within the bound (slower)");
  e->add_flag("--bound-counts-only", o.bound_counts_only,
              "dpor: the bound prunes nothing; explore every class and count those within it (with "
              "--count-classes: the floor the pruned search must reach)");
  e->add_option("--max-schedules", o.schedules_max, "Stop after this many schedules (0: no limit)");
  e->add_flag("--count-classes", o.count_classes,
              "Also count the distinct equivalence classes (same happens-before) among the executions; with dpor "
              "and a bound, also those that have an execution within the bound");
  e->add_option("--out", a.out_dir, "Folder for the trace of a violation")->capture_default_str();
  if (mutants_supported()) e->add_option("--mutant", a.mutant, "Explore the coordinator with this mutant on");
}

void add_shrink(CLI::App& app, search_args& a) {
  CLI::App* s = app.add_subcommand("shrink", "Shrink a failing trace: fewer steps, preemptions, flushes and faults");
  s->add_option("file", a.file, "The failing trace")->required();
  s->add_option("-o,--out", a.shrink_out, "Where to write the shrunk trace (default: FILE with .shrunk.trace)");
  s->add_option("--runs-max", a.shrink_runs_max, "Simulator runs the search may spend")->capture_default_str();
  s->add_flag("--keep-scenario", a.keep_scenario, "Shrink only the schedule, not the scenario");
}

/// The run of `sc` replaying `decisions`, recorded with events, as a trace.
fs::trace recorded_replay(const fp::scenario& sc, std::uint64_t seed, const std::vector<fs::decision>& decisions,
                          const std::string& strategy, const std::optional<std::string>& mutant,
                          const std::string& rerun) {
  fs::replay_scheduler replay(decisions);
  fs::config cfg;
  cfg.seed = seed;
  cfg.record_events = true;
  fs::simulator sim(cfg, replay);
  const fp::scenario_outcome out = run_subject(sc, sim);
  fs::trace t;
  t.seed = seed;
  t.strategy = strategy;
  t.mutant = mutant;
  t.failed = out.run.failed;
  t.steps = out.run.steps;
  t.decision_hash = out.run.decision_hash;
  t.event_hash = out.run.event_hash;
  t.end_time_ns = out.run.end_time.count();
  t.rerun = rerun;
  t.scenario = fp::to_text(sc);
  t.decisions = decisions;
  copy_run_log(sim, t);
  return t;
}

std::string explore_command(const search_args& a) {
  const auto& o = a.explore;
  std::string cmd = fmt::format("{} explore", tool_name());
  if (!a.preset.empty()) {
    cmd += " --preset " + a.preset;
  } else if (!a.scenario_file.empty()) {
    cmd += " --scenario " + a.scenario_file;
  } else {
    cmd += fmt::format(" --flushes {} --max-pending {} --drains {} --shutdowns {}", o.flushes, o.max_pending,
                       o.drains, o.shutdowns);
    if (o.writers != 1) cmd += fmt::format(" --writers {}", o.writers);
    if (o.acquire_for_ns != 0) cmd += fmt::format(" --acquire-for {}", o.acquire_for_ns);
    for (const auto at : o.close_at_ns) cmd += fmt::format(" --close-at {}", at);
  }
  cmd += fmt::format(" --preemption-bound {} --por {}", a.bound, a.por);
  if (!a.faults.empty()) cmd += " --faults " + a.faults;
  if (!a.fault_choices.empty()) cmd += " --fault-choices " + a.fault_choices;
  if (a.mutant) cmd += " --mutant " + *a.mutant;
  return cmd;
}

/// Parses --por and --preemption-bound into the options; usage_error if bad.
void parse_explore_modes(search_args& a) {
  auto& o = a.explore;
  if (a.no_por) a.por = "none";
  if (a.por == "dpor") {
    o.por = fs::por_mode::dpor;
  } else if (a.por == "sleep-sets") {
    o.por = fs::por_mode::sleep_sets;
  } else if (a.por == "none") {
    o.por = fs::por_mode::none;
  } else {
    throw usage_error(fmt::format("--por: '{}' is not one of dpor, sleep-sets, none", a.por));
  }
  if (a.bound == "none") {
    o.preemption_bound = std::numeric_limits<std::uint32_t>::max();
    return;
  }
  std::uint32_t b = 0;
  const auto [end, ec] = std::from_chars(a.bound.data(), a.bound.data() + a.bound.size(), b);
  if (ec != std::errc{} || end != a.bound.data() + a.bound.size() || a.bound.empty())
    throw usage_error(fmt::format("--preemption-bound: '{}' is not a number or 'none'", a.bound));
  o.preemption_bound = b;
}

/// --preset list: every preset, one per line.
int print_presets() {
  for (const auto& p : fp::explore_presets()) fmt::print("{:<16} {}\n", p.name, p.what);
  return exit_clean;
}

/// The scenario of --scenario FILE: a trace's scenario section, a corpus
/// entry's scenario, or a scenario text; usage_error naming the file for
/// anything else.
fp::scenario read_explore_scenario(const std::string& file) {
  std::ifstream in(file, std::ios::binary);
  if (!in) throw usage_error(fmt::format("--scenario: cannot open '{}'", file));
  std::stringstream text;
  text << in.rdbuf();
  std::string body = text.str();
  if (body.rfind("flushcoord-corpus", 0) == 0) return load_corpus_entry(file).scenario;
  if (body.rfind("flushcoord-trace", 0) == 0) body = read_trace_file(file).scenario;
  try {
    return fp::parse_scenario(body);
  } catch (const std::exception& e) {
    throw usage_error(fmt::format("--scenario {}: {}", file, e.what()));
  }
}

/// Applies --preset, --scenario, --faults and --fault-choices to the options,
/// and the subject: the engine explored (a user's, in testing::main).
void shape_explore(search_args& a) {
  auto& o = a.explore;
  o.run = current_subject().run;
  o.finalize_faults = current_subject().finalize_faults;
  if (!a.preset.empty() && !a.scenario_file.empty())
    throw usage_error("--preset and --scenario both name the scenario; give one");
  if ((!a.preset.empty() || !a.scenario_file.empty()) && !a.shape_flags.empty())
    throw usage_error(fmt::format("{} shapes the fixed scenario, but {} names the scenario; give one or the other",
                                  a.shape_flags.front(), a.preset.empty() ? "--scenario" : "--preset"));
  if (!a.preset.empty()) {
    const fp::explore_preset* p = fp::find_explore_preset(a.preset);
    if (p == nullptr) throw usage_error(fmt::format("--preset: no preset '{}' (--preset list shows them)", a.preset));
    p->apply(o);
  }
  if (!a.scenario_file.empty()) o.given = read_explore_scenario(a.scenario_file);
  try {
    if (!a.faults.empty()) o.faults = fp::parse_fault_list(a.faults);
    if (!a.fault_choices.empty()) fp::parse_fault_choices(a.fault_choices, o);
    fp::fault_combinations(o);  // refuses too many, before anything runs
  } catch (const std::invalid_argument& e) {
    throw usage_error(e.what());
  }
}

int explore_main(search_args& a) {
  if (a.preset == "list") return print_presets();
  shape_explore(a);
  parse_explore_modes(a);
  if (a.explore.bound_sound && a.explore.por != fs::por_mode::sleep_sets)
    throw usage_error("--sound-bound applies to --por sleep-sets only (dpor's bound is sound without it)");
  if (a.explore.bound_counts_only && a.explore.por != fs::por_mode::dpor)
    throw usage_error("--bound-counts-only applies to --por dpor only");
  select_mutant(a.mutant);
  const auto t0 = std::chrono::steady_clock::now();
  const fp::exploration e = fp::explore_schedules(a.explore);
  const double secs = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
  const auto& st = e.result.stats;
  fmt::print("scenario: {}\n", fp::summary(e.sc));
  if (const std::uint64_t n = fp::fault_combinations(a.explore); n > 1)
    fmt::print("fault choices: {} combinations, {} explored\n", n, e.combinations);
  fmt::print("por {}: explored {} executions, pruned {} (sleep-set blocked runs {}, asleep alternatives {}), "
             "{} alternatives over the preemption bound, {} steps, deepest {} decisions, wall time {:.2f}s\n",
             a.por, st.schedules, st.pruned(), st.sleep_blocked, st.sleep_skipped, st.bound_skipped, st.steps,
             st.depth_max, secs);
  if (e.explored_with_dpor())
    fmt::print("dpor: {} races, {} backtrack points added, {} races without a choice point, {} executions over "
               "the bound\n",
               st.races, st.backtracks, st.races_unplaced, st.over_bound);
  if (a.explore.count_classes) {
    fmt::print("classes: {} distinct equivalence classes among the {} executions\n", st.classes, st.schedules);
    if (e.explored_with_dpor() && a.explore.preemption_bound != std::numeric_limits<std::uint32_t>::max())
      fmt::print("classes within the bound: {} of them have an execution with at most {} preemptions (at least "
                 "that many executions for any search that loses none of them)\n",
                 st.classes_within_bound, a.explore.preemption_bound);
  }
  if (!e.failing) {
    fmt::print("{}\n", e.summary());
    return exit_clean;
  }
  const auto t = recorded_replay(e.sc, 0, e.result.decisions, "explore", a.mutant, explore_command(a));
  const auto path = write_trace_file(a.out_dir, fmt::format("explore-{}", fs::to_string(e.failing->run.failed->what)), t);
  fmt::print("{} preemptions; trace written to {}\nreplay: {}\nshrink: {} shrink {}\n", e.result.preemptions,
             path.string(), replay_command(path), tool_name(), path.string());
  fmt::print("{}\n", e.summary());
  return exit_failure_found;
}

int shrink_main(const search_args& a) {
  const fs::trace t = read_trace_file(a.file);
  if (!t.failed) throw usage_error(fmt::format("{}: the trace records a clean run; there is nothing to shrink", a.file));
  if (t.mutant && !mutants_supported())
    throw usage_error(fmt::format("{}: recorded with mutant '{}'; shrink it with flushsim_mutants", a.file, *t.mutant));
  select_mutant(t.mutant);
  fp::scenario sc;
  try {
    sc = fp::parse_scenario(t.scenario);
  } catch (const std::exception& e) {
    throw usage_error(fmt::format("{} (scenario section): {}", a.file, e.what()));
  }
  const fp::failure_signature target = fp::signature_of(*t.failed);
  fp::shrink_options opts;
  opts.runs_max = a.shrink_runs_max;
  opts.scenario = !a.keep_scenario;
  opts.run = current_subject().run;
  fp::shrink_result r;
  try {
    r = fp::shrink(sc, t.seed, t.decisions, target, opts);
  } catch (const std::invalid_argument& e) {
    throw usage_error(fmt::format("{}: {} (written by a different build?)", a.file, e.what()));
  }
  const std::string out = a.shrink_out.empty()
                              ? std::filesystem::path(a.file).replace_extension("").string() + ".shrunk.trace"
                              : a.shrink_out;
  const auto shrunk = recorded_replay(r.sc, t.seed, r.decisions, "shrink", t.mutant, "");
  try {
    fs::save_trace(out, shrunk);
  } catch (const std::exception& e) {
    throw usage_error(e.what());
  }
  fmt::print("failure: {}\n", r.signature.describe());
  fmt::print("before: {} steps, {} preemptions, {} decisions, {} flushes\n", r.before.steps, r.before.preemptions,
             r.before.decisions, r.before.flushes);
  fmt::print("after:  {} steps, {} preemptions, {} decisions, {} flushes ({} runs)\n", r.after.steps,
             r.after.preemptions, r.after.decisions, r.after.flushes, r.runs);
  fmt::print("scenario: {}\n", fp::summary(r.sc));
  fmt::print("shrunk trace written to {}\nreplay: {}\n", out, replay_command(out));
  return exit_clean;
}

}  // namespace

void add_search_commands(CLI::App& app, search_args& a) {
  add_explore(app, a);
  add_shrink(app, a);
  if (mutants_supported()) add_compare(app, a);
}

std::optional<int> dispatch_search(const CLI::App& app, search_args& a) {
  if (const CLI::App* e = app.get_subcommand("explore"); e->parsed()) {
    for (const char* flag : {"--flushes", "--max-pending", "--drains", "--shutdowns", "--writers", "--acquire-for",
                             "--close-at"})
      if (e->count(flag) > 0) a.shape_flags.emplace_back(flag);
    return explore_main(a);
  }
  if (app.got_subcommand("shrink")) return shrink_main(a);
  if (app.got_subcommand("compare")) return compare_main(a);
  return std::nullopt;
}

}  // namespace flushsim

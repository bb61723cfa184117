// sim/flushsim/summary.cpp
#include "summary.hpp"

#include <algorithm>
#include <fstream>

#include <fmt/format.h>

#include "exit_codes.hpp"
#include "failure_trace.hpp"
#include "mutant.hpp"

namespace flushsim {

namespace {

double per_second(std::uint64_t n, double seconds) { return seconds > 0 ? static_cast<double>(n) / seconds : 0.0; }

std::string seeds_line(const campaign_report& r) {
  const auto& o = r.opts;
  std::string s = fmt::format("seeds {}..{}", o.seeds.first, o.seeds.last);
  if (o.part.count > 1) s += fmt::format(" shard {}/{}", o.part.index, o.part.count);
  s += fmt::format(": {} of {} run", r.result.seeds_run, r.result.seeds_planned);
  if (r.result.completed_through) s += fmt::format(" (through seed {})", *r.result.completed_through);
  if (r.result.budget_exhausted) s += ", stopped by the time budget";
  if (r.result.stopped_on_failure) s += ", stopped at the first failure";
  return s;
}

std::string by_class_line(const campaign_result& res) {
  std::string s;
  for (const auto& [what, n] : res.failures_by_class) s += fmt::format("{}{} {}", s.empty() ? "" : ", ", n, what);
  if (!res.failures_by_property.empty()) {
    std::string props;
    for (const auto& [p, n] : res.failures_by_property) props += fmt::format("{}{} {}", props.empty() ? "" : ", ", n, p);
    s += " (properties: " + props + ")";
  }
  return s;
}

}  // namespace

std::vector<std::string> coverage_gaps(const campaign_result& res) {
  std::vector<std::string> gaps;
  for (std::size_t m = 0; m < res.seeds_per_mark.size(); ++m)
    if (res.seeds_per_mark[m] == 0) gaps.emplace_back(flushcoord::coverage::marks[m].name);
  return gaps;
}

std::string coverage_table(const campaign_result& res) {
  std::size_t width = 4;
  for (const auto& m : flushcoord::coverage::marks) width = std::max(width, m.name.size());
  std::string s = fmt::format("  coverage marks: seeds (of {} run) that hit each\n", res.seeds_run);
  s += fmt::format("    {:<{}}  {:>8}  {}\n", "mark", width, "seeds", "where");
  for (std::size_t m = 0; m < res.seeds_per_mark.size(); ++m) {
    const auto& info = flushcoord::coverage::marks[m];
    const std::uint64_t n = res.seeds_per_mark[m];
    s += fmt::format("    {:<{}}  {:>8}  {}{}\n", info.name, width, n, info.file, n == 0 ? "  <-- GAP: no seed" : "");
  }
  const auto gaps = coverage_gaps(res);
  if (gaps.empty()) {
    s += fmt::format("  coverage: every one of {} marks hit\n", res.seeds_per_mark.size());
  } else {
    std::string names;
    for (const auto& g : gaps) names += (names.empty() ? "" : ", ") + g;
    s += fmt::format("  coverage: {} of {} marks hit by no seed (gaps): {}\n", gaps.size(), res.seeds_per_mark.size(),
                     names);
  }
  return s;
}

void print_summary(std::FILE* out, const campaign_report& r) {
  const campaign_result& res = r.result;
  fmt::print(out, "{}: {}\n", tool_name(), seeds_line(r));
  if (r.mutant) fmt::print(out, "  mutant:     {}\n", *r.mutant);
  const std::uint64_t failures = res.failures.size();
  fmt::print(out, "  failures:   {}{}\n", failures, failures ? ": " + by_class_line(res) : std::string());
  fmt::print(out, "  steps:      {}\n  decisions:  {}\n", res.steps, res.decisions);
  fmt::print(out, "  wall time:  {:.2f}s on {} thread{}\n", res.wall_s, r.opts.jobs, r.opts.jobs == 1 ? "" : "s");
  fmt::print(out, "  throughput: {:.0f} seeds/s, {:.0f} decisions/s\n", per_second(res.seeds_run, res.wall_s),
             per_second(res.decisions, res.wall_s));
  if (res.guarantees.runs)
    fmt::print(out, "  pct:        {} runs, guarantee 1/(n*k^(d-1)) per run: min {:.3g}, mean {:.3g}\n",
               res.guarantees.runs, res.guarantees.min, res.guarantees.mean());
  if (r.opts.check_determinism) fmt::print(out, "  determinism: every seed ran twice and compared\n");
  if (r.coverage) fmt::print(out, "{}", coverage_table(res));
}

nlohmann::json summary_json(const campaign_report& r) {
  const campaign_result& res = r.result;
  nlohmann::json failures = nlohmann::json::array();
  for (const auto& f : r.failures) {
    nlohmann::json j{{"seed", f.failure.seed},
                     {"class", std::string(flushcoord::sim::to_string(f.failure.failure.what))},
                     {"message", f.failure.failure.message}};
    if (!f.failure.property.empty()) j["property"] = f.failure.property;
    if (f.trace) {
      j["trace"] = f.trace->string();
      j["replay"] = replay_command(*f.trace);
    }
    failures.push_back(std::move(j));
  }
  nlohmann::json j{
      {"format", "flushsim-summary 1"},
      {"seeds", {{"first", r.opts.seeds.first}, {"last", r.opts.seeds.last},
                 {"shard", fmt::format("{}/{}", r.opts.part.index, r.opts.part.count)},
                 {"planned", res.seeds_planned}, {"run", res.seeds_run}}},
      {"completed_through", res.completed_through ? nlohmann::json(*res.completed_through) : nlohmann::json()},
      {"time_budget_exhausted", res.budget_exhausted},
      {"stopped_on_failure", res.stopped_on_failure},
      {"check_determinism", r.opts.check_determinism},
      {"jobs", r.opts.jobs},
      {"strategy", r.opts.strategy},
      {"generator", {{"flushes_max", r.opts.generator.flushes_max},
                     {"max_pending_max", r.opts.generator.max_pending_max},
                     {"swarm", r.opts.generator.swarm}}},
      {"mutant", r.mutant ? nlohmann::json(*r.mutant) : nlohmann::json()},
      {"failure_count", res.failures.size()},
      {"failures_by_class", res.failures_by_class},
      {"failures_by_property", res.failures_by_property},
      {"failures", std::move(failures)},
      {"steps", res.steps},
      {"decisions", res.decisions},
      {"wall_seconds", res.wall_s},
      {"seeds_per_second", per_second(res.seeds_run, res.wall_s)},
      {"decisions_per_second", per_second(res.decisions, res.wall_s)},
      {"pct_runs", res.guarantees.runs},
      {"pct_guarantee_min", res.guarantees.runs ? nlohmann::json(res.guarantees.min) : nlohmann::json()},
      {"pct_guarantee_mean", res.guarantees.runs ? nlohmann::json(res.guarantees.mean()) : nlohmann::json()},
  };
  if (r.coverage) {
    nlohmann::json marks = nlohmann::json::object();
    for (std::size_t m = 0; m < res.seeds_per_mark.size(); ++m)
      marks[std::string(flushcoord::coverage::marks[m].name)] = res.seeds_per_mark[m];
    j["coverage"] = {{"seeds_per_mark", std::move(marks)}, {"gaps", coverage_gaps(res)}};
  }
  return j;
}

void write_json(const std::filesystem::path& path, const nlohmann::json& j) {
  std::error_code ec;
  if (path.has_parent_path()) std::filesystem::create_directories(path.parent_path(), ec);
  std::ofstream out(path, std::ios::trunc);
  out << j.dump(2) << '\n';
  out.close();
  if (!out) throw usage_error(fmt::format("cannot write {}", path.string()));
}

}  // namespace flushsim

// sim/flushsim/merge.cpp
#include "merge.hpp"

#include <algorithm>
#include <fstream>
#include <map>
#include <optional>
#include <set>

#include <fmt/format.h>

#include "exit_codes.hpp"
#include "seed_range.hpp"
#include "summary.hpp"

namespace flushsim {

using nlohmann::json;

namespace {

constexpr std::string_view summary_format = "flushsim-summary 1";
/// Failures printed by the report; the JSON lists all of them.
constexpr std::size_t failures_printed_max = 20;

/// Reads `path` ("seeds.first") from `j`, as a T; usage_error naming the
/// file and the key otherwise.
template <class T>
T field(const json& j, const std::string& file, const std::string& path) {
  const json* at = &j;
  std::size_t from = 0;
  while (true) {
    const std::size_t dot = path.find('.', from);
    const std::string key = path.substr(from, dot == std::string::npos ? std::string::npos : dot - from);
    if (!at->is_object() || !at->contains(key)) throw usage_error(fmt::format("{}: the summary has no '{}'", file, path));
    at = &(*at)[key];
    if (dot == std::string::npos) break;
    from = dot + 1;
  }
  try {
    return at->get<T>();
  } catch (const json::exception&) {
    throw usage_error(fmt::format("{}: '{}' has the wrong type ({})", file, path, at->type_name()));
  }
}

/// One shard's summary, checked.
struct shard_summary {
  std::string file;
  const json* j = nullptr;
  seed_range seeds;
  shard part;
  std::uint64_t planned = 0, run = 0, steps = 0, decisions = 0;
  double wall_s = 0;
  std::optional<std::uint64_t> completed_through;
  json mutant, strategy, generator;  // null when absent
};

shard_summary read_shard(const std::string& file, const json& j) {
  if (!j.is_object() || !j.contains("format") || j["format"] != summary_format)
    throw usage_error(fmt::format("{}: not a flushsim summary (expected \"format\": \"{}\")", file, summary_format));
  shard_summary s;
  s.file = file;
  s.j = &j;
  s.seeds = {field<std::uint64_t>(j, file, "seeds.first"), field<std::uint64_t>(j, file, "seeds.last")};
  try {
    s.part = parse_shard(field<std::string>(j, file, "seeds.shard"));
  } catch (const usage_error& e) {
    throw usage_error(fmt::format("{}: seeds.shard: {}", file, e.what()));
  }
  if (s.seeds.first > s.seeds.last) throw usage_error(fmt::format("{}: seeds.first is above seeds.last", file));
  s.planned = field<std::uint64_t>(j, file, "seeds.planned");
  s.run = field<std::uint64_t>(j, file, "seeds.run");
  const std::uint64_t holds = shard_seeds(s.seeds, s.part).size();
  if (s.planned != holds || s.run > s.planned)
    throw usage_error(fmt::format("{}: shard {}/{} of {}..{} holds {} seeds, the summary says {} planned and {} run",
                                  file, s.part.index, s.part.count, s.seeds.first, s.seeds.last, holds, s.planned,
                                  s.run));
  s.steps = field<std::uint64_t>(j, file, "steps");
  s.decisions = field<std::uint64_t>(j, file, "decisions");
  s.wall_s = field<double>(j, file, "wall_seconds");
  if (j.contains("completed_through") && !j["completed_through"].is_null())
    s.completed_through = field<std::uint64_t>(j, file, "completed_through");
  for (const auto& [key, into] : {std::pair{"mutant", &s.mutant}, {"strategy", &s.strategy}, {"generator", &s.generator}})
    if (j.contains(key)) *into = j[key];
  if (!field<json>(j, file, "failures").is_array()) throw usage_error(fmt::format("{}: 'failures' is not an array", file));
  for (const json& f : j["failures"]) {
    field<std::uint64_t>(f, file, "seed");
    field<std::string>(f, file, "class");
    field<std::string>(f, file, "message");
  }
  return s;
}

/// Two shards are of one campaign: the same range, shard count, mutant,
/// and (where both say) strategy and generator options.
void check_same_campaign(const shard_summary& a, const shard_summary& b) {
  const auto differ = [&](const std::string& what, const std::string& x, const std::string& y) {
    throw usage_error(fmt::format("{} and {} are not shards of one campaign: {} {} versus {}", a.file, b.file, what, x, y));
  };
  if (a.seeds.first != b.seeds.first || a.seeds.last != b.seeds.last)
    differ("seeds", fmt::format("{}..{}", a.seeds.first, a.seeds.last), fmt::format("{}..{}", b.seeds.first, b.seeds.last));
  if (a.part.count != b.part.count)
    differ("shard count", std::to_string(a.part.count), std::to_string(b.part.count));
  if (a.mutant != b.mutant) differ("mutant", a.mutant.dump(), b.mutant.dump());
  if (!a.strategy.is_null() && !b.strategy.is_null() && a.strategy != b.strategy)
    differ("strategy", a.strategy.dump(), b.strategy.dump());
  if (!a.generator.is_null() && !b.generator.is_null() && a.generator != b.generator)
    differ("generator options", a.generator.dump(), b.generator.dump());
}

std::string list(const std::vector<std::string>& items) {
  std::string s;
  for (const auto& i : items) s += (s.empty() ? "" : ", ") + i;
  return s;
}

class merger {
 public:
  explicit merger(const std::vector<shard_summary>& shards) : shards_(shards), n_(shards.front().part.count) {}

  merged_campaign run() {
    pick_distinct();
    merged_campaign m;
    m.summary = totals();
    m.summary["merge"] = merge_facts();
    m.report = report(m.summary);
    const bool complete = m.summary["merge"]["complete"];
    m.status = failures_.empty() ? (complete ? exit_clean : exit_bad_input) : exit_failure_found;
    return m;
  }

 private:
  void pick_distinct() {
    for (const auto& s : shards_) {
      auto& files = files_by_shard_[s.part.index];
      files.push_back(s.file);
      if (files.size() == 1) distinct_.push_back(&s);
    }
    std::sort(distinct_.begin(), distinct_.end(),
              [](const shard_summary* a, const shard_summary* b) { return a->part.index < b->part.index; });
    for (const shard_summary* s : distinct_)
      for (const json& f : (*s->j)["failures"])
        if (!failures_.count(f["seed"].get<std::uint64_t>())) failures_.emplace(f["seed"].get<std::uint64_t>(), f);
  }

  json totals() const {
    const shard_summary& first = *distinct_.front();
    std::uint64_t run = 0, steps = 0, decisions = 0, jobs = 0;
    double wall_max = 0, wall_sum = 0;
    bool budget = false, stopped = false, determinism = true;
    for (const shard_summary* s : distinct_) {
      run += s->run;
      steps += s->steps;
      decisions += s->decisions;
      wall_max = std::max(wall_max, s->wall_s);
      wall_sum += s->wall_s;
      budget = budget || s->j->value("time_budget_exhausted", false);
      stopped = stopped || s->j->value("stopped_on_failure", false);
      determinism = determinism && s->j->value("check_determinism", false);
      jobs += s->j->value("jobs", 0u);
    }
    json failures = json::array();
    std::map<std::string, std::uint64_t> by_class, by_property;
    for (const auto& [seed, f] : failures_) {
      failures.push_back(f);
      ++by_class[f["class"].get<std::string>()];
      if (f.contains("property")) ++by_property[f["property"].get<std::string>()];
    }
    const auto per_second = [&](std::uint64_t n) { return wall_max > 0 ? static_cast<double>(n) / wall_max : 0.0; };
    json j{{"format", summary_format},
           {"seeds", {{"first", first.seeds.first}, {"last", first.seeds.last}, {"shard", fmt::format("merged/{}", n_)},
                      {"planned", first.seeds.last - first.seeds.first + 1}, {"run", run}}},
           {"completed_through", nullptr},
           {"time_budget_exhausted", budget},
           {"stopped_on_failure", stopped},
           {"check_determinism", determinism},
           {"jobs", jobs},
           {"mutant", first.mutant},
           {"failure_count", failures_.size()},
           {"failures_by_class", by_class},
           {"failures_by_property", by_property},
           {"failures", std::move(failures)},
           {"steps", steps},
           {"decisions", decisions},
           {"wall_seconds", wall_max},
           {"seeds_per_second", per_second(run)},
           {"decisions_per_second", per_second(decisions)}};
    if (!first.strategy.is_null()) j["strategy"] = first.strategy;
    if (!first.generator.is_null()) j["generator"] = first.generator;
    if (const auto cov = coverage()) j["coverage"] = *cov;
    j["wall_seconds_sum"] = wall_sum;
    return j;
  }

  /// Seeds per coverage mark, summed, if every distinct shard has them.
  std::optional<json> coverage() const {
    std::map<std::string, std::uint64_t> marks;
    for (const shard_summary* s : distinct_) {
      if (!s->j->contains("coverage")) return std::nullopt;
      const json& per = field<json>(*s->j, s->file, "coverage.seeds_per_mark");
      for (const auto& [name, n] : per.items()) marks[name] += field<std::uint64_t>(per, s->file, name);
    }
    std::vector<std::string> gaps;
    for (const auto& [name, n] : marks)
      if (n == 0) gaps.push_back(name);
    return json{{"seeds_per_mark", marks}, {"gaps", gaps}};
  }

  json merge_facts() const {
    json present = json::array(), missing = json::array(), overlapping = json::array(), early = json::array();
    for (std::uint64_t k = 1; k <= n_; ++k) {
      const auto it = files_by_shard_.find(k);
      if (it == files_by_shard_.end()) {
        missing.push_back(k);
        continue;
      }
      present.push_back(k);
      if (it->second.size() > 1) overlapping.push_back({{"shard", k}, {"files", it->second}});
    }
    for (const shard_summary* s : distinct_)
      if (s->run < s->planned)
        early.push_back({{"shard", s->part.index}, {"run", s->run}, {"planned", s->planned},
                         {"completed_through", s->completed_through ? json(*s->completed_through) : json()}});
    std::vector<std::string> files;
    for (const auto& s : shards_) files.push_back(s.file);
    const bool complete = missing.empty() && overlapping.empty() && early.empty();
    return json{{"files", files},     {"shards", n_},           {"present", present},   {"missing", missing},
                {"overlapping", overlapping}, {"stopped_early", early}, {"complete", complete}};
  }

  std::string report(const json& j) const {
    const json& m = j["merge"];
    std::string out = fmt::format("flushsim merge: seeds {}..{} in {} shards, {} of them given ({} files)\n",
                                  j["seeds"]["first"].get<std::uint64_t>(), j["seeds"]["last"].get<std::uint64_t>(), n_,
                                  m["present"].size(), shards_.size());
    auto o = std::back_inserter(out);
    if (!m["missing"].empty()) {
      std::vector<std::string> ks;
      for (const auto& k : m["missing"]) ks.push_back(fmt::format("{}/{}", k.get<std::uint64_t>(), n_));
      fmt::format_to(o, "  missing shards: {} (their seeds were not run)\n", list(ks));
    }
    for (const auto& ov : m["overlapping"])
      fmt::format_to(o, "  overlapping: shard {}/{} is in {} (counted once, from the first)\n",
                     ov["shard"].get<std::uint64_t>(), n_, list(ov["files"].get<std::vector<std::string>>()));
    for (const auto& e : m["stopped_early"])
      fmt::format_to(o, "  stopped early: shard {}/{} ran {} of {} seeds{}\n", e["shard"].get<std::uint64_t>(), n_,
                     e["run"].get<std::uint64_t>(), e["planned"].get<std::uint64_t>(),
                     e["completed_through"].is_null() ? std::string()
                                                      : fmt::format(" (through seed {})", e["completed_through"].get<std::uint64_t>()));
    fmt::format_to(o, "  seeds run:  {} of {}\n", j["seeds"]["run"].get<std::uint64_t>(),
                   j["seeds"]["planned"].get<std::uint64_t>());
    fmt::format_to(o, "  failures:   {}\n", failures_.size());
    std::size_t printed = 0;
    for (const auto& [seed, f] : failures_) {
      if (printed++ == failures_printed_max) {
        fmt::format_to(o, "    ... and {} more (all in --json)\n", failures_.size() - failures_printed_max);
        break;
      }
      fmt::format_to(o, "    seed {}: {}: {}\n", seed, f["class"].get<std::string>(), f["message"].get<std::string>());
      if (f.contains("replay")) fmt::format_to(o, "      replay: {}\n", f["replay"].get<std::string>());
    }
    fmt::format_to(o, "  steps:      {}\n  decisions:  {}\n", j["steps"].get<std::uint64_t>(),
                   j["decisions"].get<std::uint64_t>());
    fmt::format_to(o, "  wall time:  {:.2f}s for the slowest shard, {:.2f}s in all\n", j["wall_seconds"].get<double>(),
                   j["wall_seconds_sum"].get<double>());
    fmt::format_to(o, "  throughput: {:.0f} seeds/s, {:.0f} decisions/s (over the slowest shard's time)\n",
                   j["seeds_per_second"].get<double>(), j["decisions_per_second"].get<double>());
    if (!m["complete"].get<bool>())
      out += "  incomplete: these shards do not cover the campaign exactly once\n";
    return out;
  }

  const std::vector<shard_summary>& shards_;
  const std::uint64_t n_;
  std::map<std::uint64_t, std::vector<std::string>> files_by_shard_;
  std::vector<const shard_summary*> distinct_;  // one per shard index, by index
  std::map<std::uint64_t, json> failures_;       // by seed
};

}  // namespace

merged_campaign merge_summaries(const std::vector<std::pair<std::string, json>>& inputs) {
  if (inputs.empty()) throw usage_error("merge needs at least one summary");
  std::vector<shard_summary> shards;
  for (const auto& [file, j] : inputs) shards.push_back(read_shard(file, j));
  for (const auto& s : shards) check_same_campaign(shards.front(), s);
  return merger(shards).run();
}

int merge_main(const std::vector<std::string>& files, const std::string& json_out, std::FILE* out) {
  std::vector<std::pair<std::string, json>> inputs;
  for (const auto& file : files) {
    std::ifstream in(file);
    if (!in) throw usage_error(fmt::format("{}: cannot be read", file));
    try {
      inputs.emplace_back(file, json::parse(in));
    } catch (const json::exception& e) {
      throw usage_error(fmt::format("{}: not valid JSON: {}", file, e.what()));
    }
  }
  const merged_campaign m = merge_summaries(inputs);
  fmt::print(out, "{}", m.report);
  if (!json_out.empty()) write_json(json_out, m.summary);
  return m.status;
}

}  // namespace flushsim

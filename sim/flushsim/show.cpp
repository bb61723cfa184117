// sim/flushsim/show.cpp
#include "show.hpp"

#include <algorithm>
#include <iterator>
#include <set>

#include <fmt/format.h>

#include "diagnosis.hpp"
#include "exit_codes.hpp"
#include "flushcoord/properties/scenario.hpp"
#include "replay.hpp"
#include "story.hpp"

namespace flushsim {

namespace fs = flushcoord::sim;

namespace {

/// Virtual nanoseconds as microseconds with all their digits.
std::string micros(std::int64_t ns) { return fmt::format("{}.{:03}", ns / 1000, (ns < 0 ? -ns : ns) % 1000); }

void format_header(std::string& out, const fs::trace& t) {
  auto o = std::back_inserter(out);
  fmt::format_to(o, "seed {}, strategy {}{}\n", t.seed, t.strategy, t.mutant ? ", mutant " + *t.mutant : "");
  try {
    fmt::format_to(o, "scenario: {}\n", flushcoord::properties::summary(flushcoord::properties::parse_scenario(t.scenario)));
  } catch (const std::exception&) {
    out += "scenario: (unreadable by this build)\n";
  }
  fmt::format_to(o, "{} steps, {} decisions, {} events{}, ended at {} µs of virtual time\n\n", t.steps,
                 t.decisions.size(), t.events.size(),
                 t.events_omitted ? fmt::format(" (the first {} left out)", t.events_omitted) : "",
                 micros(t.end_time_ns));
}

/// Which events the filters keep.
class event_filter {
 public:
  event_filter(const fs::trace& t, const show_options& o) : t_(t) {
    if (o.flush) select_flush(*o.flush);
    if (o.task) select_tasks(*o.task);
  }

  bool keeps(const fs::event& e) const {
    if (flush_) {
      const bool about = e.kind == fs::event_kind::coordinator ? e.coord.seq == *flush_ : flush_tasks_.count(e.task) > 0;
      if (!about) return false;
    }
    return !tasks_ || tasks_->count(e.task) > 0;
  }
  bool keeps(const story_line& l) const {
    if (flush_ && l.seq != *flush_) return false;
    return !tasks_ || tasks_->count(l.task) > 0;
  }

 private:
  void select_flush(std::uint64_t seq) {
    std::set<std::uint64_t> seqs;
    for (const fs::event& e : t_.events) {
      if (e.kind != fs::event_kind::coordinator || e.coord.seq == flushcoord::no_seq) continue;
      seqs.insert(e.coord.seq);
      // The runtime level also shows what the task running its stream did.
      if (e.coord.seq == seq && e.coord.kind == flushcoord::event_kind::stream_started) flush_tasks_.insert(e.task);
    }
    if (!seqs.count(seq))
      throw usage_error(seqs.empty() ? fmt::format("--flush {}: this trace has no flush events", seq)
                                     : fmt::format("--flush {}: no such flush in this trace (it has flushes {}..{})",
                                                   seq, *seqs.begin(), *seqs.rbegin()));
    flush_ = seq;
  }

  void select_tasks(const std::string& name) {
    tasks_.emplace();
    std::string known;
    for (fs::task_id id = 0; id < t_.task_names.size(); ++id) {
      if (t_.task_names[id].empty()) continue;
      const std::string label = fs::task_label(t_, id);
      if (name == label || name == t_.task_names[id]) tasks_->insert(id);
      known += (known.empty() ? "" : ", ") + label;
    }
    if (tasks_->empty())
      throw usage_error(fmt::format("--task {}: no such task in this trace (its tasks: {})", name, known));
  }

  const fs::trace& t_;
  std::optional<std::uint64_t> flush_;
  std::set<fs::task_id> flush_tasks_;
  std::optional<std::set<fs::task_id>> tasks_;
};

/// Whether a story line matters to the failure: it is about a flush the
/// failure names, told by a task it names, or holds one of its key events.
bool matters(const story_line& l, const diagnosis& d) {
  if (l.seq != flushcoord::no_seq && std::binary_search(d.flushes.begin(), d.flushes.end(), l.seq)) return true;
  if (std::binary_search(d.tasks.begin(), d.tasks.end(), l.task) && l.seq == flushcoord::no_seq) return true;
  return std::any_of(l.events.begin(), l.events.end(),
                     [&](std::size_t i) { return std::binary_search(d.key_events.begin(), d.key_events.end(), i); });
}

void format_story(std::string& out, const fs::trace& t, const event_filter& keep, const diagnosis& d) {
  auto o = std::back_inserter(out);
  fmt::format_to(o, "  {:>12}  {:>6}  {:<14} {}\n", "time (µs)", "step", "task", "what the coordinator did");
  for (const story_line& l : tell_story(t)) {
    if (!keep.keeps(l)) continue;
    fmt::format_to(o, "{} {:>12}  {:>6}  {:<14} {}\n", matters(l, d) ? '>' : ' ', micros(l.time_ns), l.step,
                   fs::task_label(t, l.task), l.text);
  }
}

void format_events(std::string& out, const fs::trace& t, const event_filter& keep, const diagnosis& d) {
  auto o = std::back_inserter(out);
  fmt::format_to(o, "  {:>12}  {:>6}  {:<14} {:<13} {}\n", "time (µs)", "step", "task", "event", "object");
  for (std::size_t i = 0; i < t.events.size(); ++i) {
    const fs::event& e = t.events[i];
    if (!keep.keeps(e)) continue;
    const bool key = std::binary_search(d.key_events.begin(), d.key_events.end(), i) ||
                     (e.kind == fs::event_kind::coordinator && e.coord.seq != flushcoord::no_seq &&
                      std::binary_search(d.flushes.begin(), d.flushes.end(), e.coord.seq));
    const std::string what = e.kind == fs::event_kind::coordinator ? coordinator_phrase(e.coord)
                             : e.kind == fs::event_kind::note      ? fs::note_text(t, e)
                                                                   : fs::object_label(t, e);
    fmt::format_to(o, "{} {:>12}  {:>6}  {:<14} {:<13} {}\n", key ? '>' : ' ', micros(e.time.count()), e.step,
                   fs::task_label(t, e.task), fs::to_string(e.kind), what);
  }
}

void format_failure(std::string& out, const fs::trace& t, const diagnosis& d) {
  auto o = std::back_inserter(out);
  const fs::failure& f = *t.failed;
  std::string message = f.message;
  if (!d.property.empty()) message = message.substr(std::min(message.size(), d.property.size() + 3));
  fmt::format_to(o, "\nfailure at {} µs, step {}: {}{}\n  {}\n", micros(t.end_time_ns), t.steps, fs::to_string(f.what),
                 d.property.empty() ? "" : " " + d.property, message);
  if (!d.named.empty()) {
    std::string named;
    for (const auto& n : d.named) named += (named.empty() ? "" : "; ") + n;
    fmt::format_to(o, "  it names: {}\n", named);
  }
  for (const auto& finding : d.findings) {
    std::size_t from = 0;  // a finding may span lines: indent each
    while (from < finding.size()) {
      const std::size_t end = std::min(finding.find('\n', from), finding.size());
      fmt::format_to(o, "  {}\n", std::string_view(finding).substr(from, end - from));
      from = end + 1;
    }
  }
  // The simulator's own report: where it stopped and who waited on what.
  std::size_t pos = 0;
  while (pos < f.report.size()) {
    const std::size_t end = std::min(f.report.find('\n', pos), f.report.size());
    fmt::format_to(o, "  {}\n", std::string_view(f.report).substr(pos, end - pos));
    pos = end + 1;
  }
}

}  // namespace

std::string format_timeline(const fs::trace& t, const show_options& opts) {
  if (opts.level != "coordinator" && opts.level != "runtime")
    throw usage_error(fmt::format("--level {}: unknown level (coordinator or runtime)", opts.level));
  const event_filter keep(t, opts);
  const diagnosis d = t.failed ? diagnose(t) : diagnosis{};
  std::string out;
  format_header(out, t);
  if (opts.level == "coordinator")
    format_story(out, t, keep, d);
  else
    format_events(out, t, keep, d);
  if (!t.failed) {
    out += "\nthe run was clean\n";
    return out;
  }
  format_failure(out, t, d);
  if (opts.level == "coordinator") out += "('>' marks what matters; --level runtime shows every scheduling point)\n";
  return out;
}

}  // namespace flushsim

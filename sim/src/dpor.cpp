// sim/src/dpor.cpp — the source-DPOR search: choice points, source sets,
// sleep sets, backtracking; see flushcoord/sim/dpor.hpp for the method.
#include "flushcoord/sim/dpor.hpp"

#include <algorithm>
#include <limits>
#include <optional>
#include <stdexcept>
#include <utility>

#include <fmt/format.h>

#include "dpor_races.hpp"

namespace flushcoord::sim {

namespace {

using dpor_detail::step_event;

struct dpor_sleeper {
  task_id task = no_task;
  std::vector<access> footprint;  // the step it took when explored
};

/// One choice point of the current path.
struct choice {
  std::vector<task_id> runnable;
  std::vector<task_id> enabled;      // runnable, minus tasks whose next step just blocks
  task_id current = no_task;
  std::uint32_t preempt_before = 0;  // preemptions on the path before this choice
  std::uint32_t step = 0;            // access-log step number of the chosen step
  std::vector<dpor_sleeper> sleep;   // asleep on arrival
  std::vector<dpor_sleeper> slept_done;  // explored siblings, asleep for later ones
  std::vector<task_id> source;       // the source set (to explore, explored included)
  // Initials left out: every execution of their branch exceeds the bound.
  // They sleep in every child too, since any execution in which one steps
  // before a step dependent on it is in its branch's classes.
  std::vector<dpor_sleeper> beyond;
  std::vector<task_id> done;
  task_id chosen = no_task;
  std::vector<access> chosen_fp;
};

bool has(const std::vector<task_id>& v, task_id t) { return std::find(v.begin(), v.end(), t) != v.end(); }

bool sleeping(const std::vector<dpor_sleeper>& s, task_id t) {
  return std::any_of(s.begin(), s.end(), [t](const dpor_sleeper& z) { return z.task == t; });
}

std::uint32_t preemption_cost(const choice& n, task_id t) {
  const bool current_runnable = n.current != no_task && has(n.enabled, n.current);
  return current_runnable && t != n.current ? 1u : 0u;
}

/// Exploration order: the current task first (no preemption), then by id.
std::vector<task_id> ordered(const choice& n) {
  std::vector<task_id> out;
  if (has(n.enabled, n.current)) out.push_back(n.current);
  for (task_id t : n.enabled)
    if (t != n.current) out.push_back(t);
  return out;
}

bool wakes_sleeper(const dpor_sleeper& z, std::span<const access> step) {
  for (const access& a : step)
    for (const access& b : z.footprint)
      if (conflicts(a, b)) return true;
  return false;
}

/// The sleep set on arrival after `p`'s choice and the steps logged since
/// (`log`): p's sleepers and explored siblings, minus those that a step
/// since then depends on. Empty optional: a sleeper stepped itself. It was
/// then the only runnable task (the simulator asks for no choice, and the
/// search never picks a sleeper), so every task that could step slept and
/// the run is sleep-set blocked. Before this was seen, such runs went on
/// and completed a class a second time (two-writers: 5,760 runs in 5,040
/// classes).
std::optional<std::vector<dpor_sleeper>> sleep_after(const choice& p, std::span<const access> log) {
  std::vector<dpor_sleeper> z = p.sleep;
  z.insert(z.end(), p.slept_done.begin(), p.slept_done.end());
  z.insert(z.end(), p.beyond.begin(), p.beyond.end());
  std::size_t i = 0;
  while (i < log.size() && !z.empty()) {
    std::size_t j = i;
    while (j < log.size() && log[j].step == log[i].step) ++j;
    const std::span<const access> step = log.subspan(i, j - i);
    if (sleeping(z, log[i].task)) return std::nullopt;
    std::erase_if(z, [&](const dpor_sleeper& s) { return wakes_sleeper(s, step); });
    i = j;
  }
  return z;
}

class dpor_scheduler final : public scheduler {
 public:
  dpor_scheduler(std::vector<choice>& nodes, explore_stats& stats) : nodes_(nodes), stats_(stats) {}

  void start_run(const run_start&) override {
    pruned_ = false;
    error_.clear();
    log_.clear();
  }

  std::size_t pick(const pick_request& req) override {
    log_.insert(log_.end(), req.accesses.begin(), req.accesses.end());
    const std::uint32_t step = log_.empty() ? 0 : log_.back().step + 1;
    const std::size_t d = req.decision;
    if (d < nodes_.size()) return replay(req, nodes_[d], step);
    return extend(req, step);
  }

  std::string error() const override { return error_; }
  bool pruned() const noexcept { return pruned_; }
  bool diverged() const noexcept { return !error_.empty() && !pruned_; }
  std::vector<access>& log() noexcept { return log_; }

 private:
  std::size_t replay(const pick_request& req, choice& n, std::uint32_t step) {
    const bool same = std::equal(req.runnable.begin(), req.runnable.end(), n.runnable.begin(), n.runnable.end()) &&
                      req.current == n.current;
    const auto it = std::find(req.runnable.begin(), req.runnable.end(), n.chosen);
    if (!same || it == req.runnable.end()) {
      error_ = fmt::format("explore: replayed prefix diverged at decision {} (the program is not deterministic)",
                           req.decision);
      return req.runnable.size();
    }
    n.step = step;
    return static_cast<std::size_t>(it - req.runnable.begin());
  }

  std::size_t extend(const pick_request& req, std::uint32_t step) {
    choice n;
    n.runnable.assign(req.runnable.begin(), req.runnable.end());
    // As in the sleep-set DFS: a step that would only block on a held mutex
    // is not a choice (the lock is disabled); if every task would, all stay.
    for (std::size_t i = 0; i < req.runnable.size(); ++i)
      if (i >= req.next.size() || !req.next[i].blocks) n.enabled.push_back(req.runnable[i]);
    if (n.enabled.empty()) n.enabled = n.runnable;
    n.current = req.current;
    n.step = step;
    if (!nodes_.empty()) {
      const choice& p = nodes_.back();
      n.preempt_before = p.preempt_before + preemption_cost(p, p.chosen);
      std::optional<std::vector<dpor_sleeper>> sleep = sleep_after(p, req.accesses);
      if (!sleep) return cut(req);
      n.sleep = std::move(*sleep);
    }
    for (task_id t : ordered(n)) {
      if (sleeping(n.sleep, t)) continue;
      n.chosen = t;
      break;
    }
    if (n.chosen == no_task) return cut(req);
    n.source.push_back(n.chosen);
    nodes_.push_back(std::move(n));
    const choice& back = nodes_.back();
    return static_cast<std::size_t>(std::find(back.runnable.begin(), back.runnable.end(), back.chosen) -
                                    back.runnable.begin());
  }

  /// Ends the run as sleep-set blocked: every task that could step sleeps.
  std::size_t cut(const pick_request& req) {
    ++stats_.sleep_blocked;
    pruned_ = true;
    error_ = "explore: every runnable task sleeps (pruned)";
    return req.runnable.size();
  }

 private:
  std::vector<choice>& nodes_;
  explore_stats& stats_;
  bool pruned_ = false;
  std::string error_;
  std::vector<access> log_;  // the whole run's accesses so far
};

/// explore_limits::preemption_bound when there is no bound.
constexpr std::uint32_t no_bound = std::numeric_limits<std::uint32_t>::max();

/// Race analysis of the run just ended: records each choice's step
/// footprint, then adds the reversals of new races to the source sets.
/// With a bound, an initial whose branch cannot stay within it (every
/// execution starting with the prefix and its next step costs more) is
/// never added; it is noted in the choice's `beyond` instead.
void analyse(std::vector<choice>& nodes, std::span<const access> log, std::size_t fresh_node, std::uint32_t bound,
             explore_stats& stats) {
  const std::vector<step_event> ev = dpor_detail::split_steps(log);
  std::vector<int> node_of(ev.size(), -1);
  std::size_t fresh_from = ev.size();
  std::size_t k = 0;
  for (std::size_t e = 0; e < ev.size() && k < nodes.size(); ++e) {
    if (ev[e].task == no_task || ev[e].step != nodes[k].step) continue;
    node_of[e] = static_cast<int>(k);
    nodes[k].chosen_fp = ev[e].footprint;
    if (k == fresh_node) fresh_from = e;
    ++k;
  }
  if (fresh_node >= nodes.size()) fresh_from = ev.size();
  std::optional<dpor_detail::prefix_bound> lower;  // made at the first race that needs it
  // Whether every execution that starts with the prefix before n and then
  // initial i's next step exceeds the bound.
  const auto beyond_bound = [&](const choice& n, const dpor_detail::race& r, std::size_t i) {
    if (bound == no_bound) return false;
    // The path to n, then the initial, is one such execution: within the
    // bound, it settles the question without a search.
    if (n.preempt_before + preemption_cost(n, r.initials[i]) <= bound) return false;
    if (!lower) lower.emplace(ev, r.clocks, bound);
    return lower->of(r.first, r.initial_events[i], r.initial_clock(i)) > bound;
  };
  stats.races += dpor_detail::find_races(ev, fresh_from, [&](const dpor_detail::race& r) {
    if (node_of[r.first] < 0) {
      ++stats.races_unplaced;
      return;
    }
    choice& n = nodes[static_cast<std::size_t>(node_of[r.first])];
    for (task_id q : r.initials)
      if (has(n.source, q)) return;
    // Which initials could start an execution within the bound.
    std::vector<task_id> within;
    for (std::size_t i = 0; i < r.initials.size(); ++i) {
      const task_id q = r.initials[i];
      if (!has(n.enabled, q) || sleeping(n.beyond, q)) continue;
      if (beyond_bound(n, r, i)) {
        n.beyond.push_back({q, ev[r.initial_events[i]].footprint});
        continue;
      }
      within.push_back(q);
    }
    task_id add = no_task;
    for (task_id q : within)
      if (!sleeping(n.sleep, q) && (add == no_task || q < add)) add = q;
    if (add == no_task && !within.empty()) add = within.front();
    if (add != no_task) {
      n.source.push_back(add);
      ++stats.backtracks;
      return;
    }
    if (std::any_of(r.initials.begin(), r.initials.end(), [&](task_id q) { return sleeping(n.beyond, q); })) {
      ++stats.bound_skipped;
      return;
    }
    // Not expected (an initial is enabled where the race starts); stay
    // sound by trying every task there.
    ++stats.races_unplaced;
    for (task_id q : n.enabled)
      if (!has(n.source, q) && !sleeping(n.beyond, q)) n.source.push_back(q);
  });
}

/// Moves the deepest choice with an unexplored, awake member of its source
/// set to it, popping exhausted ones; returns its depth, or nodes.size()
/// (after emptying) when the search is over.
std::size_t backtrack(std::vector<choice>& nodes, explore_stats& stats) {
  while (!nodes.empty()) {
    choice& n = nodes.back();
    n.done.push_back(n.chosen);
    n.slept_done.push_back({n.chosen, n.chosen_fp});
    for (task_id t : ordered(n)) {
      if (!has(n.source, t) || has(n.done, t)) continue;
      if (sleeping(n.sleep, t)) {
        ++stats.sleep_skipped;
        n.done.push_back(t);
        continue;
      }
      n.chosen = t;
      return nodes.size() - 1;
    }
    nodes.pop_back();
  }
  return 0;
}

}  // namespace

explore_result explore_dpor(config cfg, const std::function<run_result(simulator&)>& one_run,
                            const explore_limits& limits) {
  cfg.record_accesses = true;
  explore_result out;
  std::vector<choice> nodes;
  dpor_scheduler sched(nodes, out.stats);
  simulator sim(cfg, sched);
  std::size_t fresh = 0;  // the choice whose alternative this run takes first
  const bool bounded = limits.preemption_bound != std::numeric_limits<std::uint32_t>::max();
  dpor_detail::class_census census(bounded ? limits.preemption_bound : dpor_detail::class_census::unbounded);
  const auto done = [&]() -> explore_result& {
    if (limits.count_classes) {
      out.stats.classes = census.distinct();
      out.stats.classes_within_bound = census.distinct_within_bound();
    }
    return out;
  };
  for (;;) {
    const run_result r = one_run(sim);
    if (sched.diverged()) throw std::logic_error(sched.error());
    out.stats.steps += r.steps;
    out.stats.depth_max = std::max(out.stats.depth_max, r.decisions);
    const std::uint32_t preemptions =
        nodes.empty() ? 0 : nodes.back().preempt_before + preemption_cost(nodes.back(), nodes.back().chosen);
    // A sleeper forced to step after the last choice blocks the run too. A
    // failing run is still reported: it is a real execution either way.
    const bool blocked_at_end =
        !sched.pruned() && r.ok() && !nodes.empty() && !sleep_after(nodes.back(), sim.accesses());
    if (blocked_at_end) ++out.stats.sleep_blocked;
    if (!sched.pruned() && !blocked_at_end) {
      if (limits.on_execution) limits.on_execution(sim, r);
      if (!r.ok()) {
        out.violation = r;
        const auto d = sim.decisions().decisions();
        out.decisions.assign(d.begin(), d.end());
        out.preemptions = preemptions;
        return done();
      }
      ++out.stats.schedules;
      if (bounded && preemptions > limits.preemption_bound) ++out.stats.over_bound;
      const auto tail = sim.accesses();
      sched.log().insert(sched.log().end(), tail.begin(), tail.end());
      if (limits.count_classes) census.add(sched.log());
    }
    analyse(nodes, sched.log(), fresh, limits.bound_counts_only ? no_bound : limits.preemption_bound, out.stats);
    if (limits.schedules_max != 0 && out.stats.schedules + out.stats.sleep_blocked >= limits.schedules_max)
      return done();
    fresh = backtrack(nodes, out.stats);
    if (nodes.empty()) {
      out.stats.complete = true;
      return done();
    }
  }
}

}  // namespace flushcoord::sim

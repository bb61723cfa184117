// sim/src/explorer.cpp — bounded depth-first exploration with sleep sets;
// see explorer.hpp for the method and why it is sound under the bound.
#include "flushcoord/sim/explorer.hpp"
#include "flushcoord/sim/dpor.hpp"

#include "dpor_races.hpp"

#include <algorithm>
#include <stdexcept>
#include <utility>

#include <fmt/format.h>

namespace flushcoord::sim {

namespace {

/// A task whose next step need not be explored here, with that step's
/// accesses (as observed when it was explored from an earlier node).
struct sleeper {
  task_id task = no_task;
  std::vector<access> footprint;
};

/// One choice point of the current path.
struct node {
  std::vector<task_id> runnable;
  std::vector<task_id> enabled;  // runnable, minus tasks whose next step just blocks
  task_id current = no_task;
  std::uint32_t preempt_before = 0;  // preemptions on the path before this choice
  std::vector<sleeper> sleep;        // asleep on arrival
  std::vector<sleeper> slept_done;   // finished siblings that sleep for later ones
  std::vector<task_id> done;         // finished siblings
  task_id chosen = no_task;
  std::vector<access> chosen_fp;     // accesses of the chosen task's step
  bool chosen_runnable_after = false;
};

bool contains(const std::vector<task_id>& v, task_id t) {
  return std::find(v.begin(), v.end(), t) != v.end();
}

bool asleep(const std::vector<sleeper>& s, task_id t) {
  return std::any_of(s.begin(), s.end(), [t](const sleeper& z) { return z.task == t; });
}

std::uint32_t cost(const node& n, task_id t) {
  const bool current_runnable = n.current != no_task && contains(n.enabled, n.current);
  return current_runnable && t != n.current ? 1u : 0u;
}

/// Exploration order: the current task first (no preemption), then by id.
std::vector<task_id> order(const node& n) {
  std::vector<task_id> out;
  out.reserve(n.enabled.size());
  if (contains(n.enabled, n.current)) out.push_back(n.current);
  for (task_id t : n.enabled)
    if (t != n.current) out.push_back(t);
  return out;
}

bool dependent(const sleeper& z, std::span<const access> step) {
  for (const access& a : step)
    for (const access& b : z.footprint)
      if (conflicts(a, b)) return true;
  return false;
}

class dfs_scheduler final : public scheduler {
 public:
  dfs_scheduler(std::vector<node>& nodes, const explore_limits& lim, explore_stats& stats)
      : nodes_(nodes), lim_(lim), stats_(stats) {}

  void start_run(const run_start&) override {
    pruned_ = false;
    error_.clear();
    run_log_.clear();
  }

  std::size_t pick(const pick_request& req) override {
    if (lim_.count_classes) run_log_.insert(run_log_.end(), req.accesses.begin(), req.accesses.end());
    const std::size_t d = req.decision;
    if (d > 0) absorb(req.accesses, nodes_[d - 1]);
    if (d < nodes_.size()) return replay(req, nodes_[d]);
    return extend(req);
  }

  std::string error() const override { return error_; }
  bool pruned() const noexcept { return pruned_; }
  bool diverged() const noexcept { return !error_.empty() && !pruned_; }
  /// With count_classes: the run's accesses up to its last pick.
  std::vector<access>& run_log() noexcept { return run_log_; }

  /// Records the chosen step of `parent` from the accesses logged after it.
  static void absorb(std::span<const access> log, node& parent) {
    std::uint32_t step = 0;
    bool found = false;
    for (const access& a : log) {
      if (a.task == parent.chosen && (!found || a.step < step)) {
        step = a.step;
        found = true;
      }
    }
    parent.chosen_fp.clear();
    parent.chosen_runnable_after = false;
    if (!found) return;
    for (const access& a : log) {
      if (a.task != parent.chosen || a.step != step) continue;
      if (a.cls == object_class::step_end) {
        parent.chosen_runnable_after = a.id != 0;
      } else {
        parent.chosen_fp.push_back(a);
      }
    }
  }

 private:
  std::size_t replay(const pick_request& req, const node& n) {
    const bool same = std::equal(req.runnable.begin(), req.runnable.end(), n.runnable.begin(),
                                 n.runnable.end()) && req.current == n.current;
    const auto it = std::find(req.runnable.begin(), req.runnable.end(), n.chosen);
    if (!same || it == req.runnable.end()) {
      error_ = fmt::format("explore: replayed prefix diverged at decision {} (the program is not "
                           "deterministic)", req.decision);
      return req.runnable.size();
    }
    return static_cast<std::size_t>(it - req.runnable.begin());
  }

  std::size_t extend(const pick_request& req) {
    node n;
    n.runnable.assign(req.runnable.begin(), req.runnable.end());
    // A step that only blocks on a held mutex leaves the state as it was
    // (the task waits for the unlock it would have waited for anyway), so
    // such tasks are not choices; nor is leaving such a current task a
    // preemption. If every task would block, all stay (a deadlock to show).
    for (std::size_t i = 0; i < req.runnable.size(); ++i)
      if (i >= req.next.size() || !req.next[i].blocks) n.enabled.push_back(req.runnable[i]);
    if (n.enabled.empty()) n.enabled = n.runnable;
    n.current = req.current;
    if (!nodes_.empty()) {
      const node& p = nodes_.back();
      n.preempt_before = p.preempt_before + cost(p, p.chosen);
      if (lim_.por == por_mode::sleep_sets) n.sleep = inherit(p, req.accesses);
    }
    for (task_id t : order(n)) {
      if (asleep(n.sleep, t)) continue;
      if (n.preempt_before + cost(n, t) > lim_.preemption_bound) continue;
      n.chosen = t;
      break;
    }
    if (n.chosen == no_task) {
      ++stats_.sleep_blocked;
      pruned_ = true;
      error_ = "explore: every runnable task sleeps (pruned)";
      return req.runnable.size();
    }
    nodes_.push_back(std::move(n));
    const node& back = nodes_.back();
    return static_cast<std::size_t>(
        std::find(back.runnable.begin(), back.runnable.end(), back.chosen) - back.runnable.begin());
  }

  /// The sleep set on arrival at a new node: the parent's sleepers and its
  /// finished siblings, minus any whose task stepped or that a step since
  /// the parent's choice depends on.
  static std::vector<sleeper> inherit(const node& p, std::span<const access> log) {
    std::vector<sleeper> z = p.sleep;
    z.insert(z.end(), p.slept_done.begin(), p.slept_done.end());
    std::size_t i = 0;
    while (i < log.size() && !z.empty()) {
      std::size_t j = i;
      while (j < log.size() && log[j].step == log[i].step) ++j;
      const std::span<const access> step = log.subspan(i, j - i);
      const task_id who = log[i].task;
      std::erase_if(z, [&](const sleeper& s) { return s.task == who || dependent(s, step); });
      i = j;
    }
    return z;
  }

  std::vector<node>& nodes_;
  const explore_limits& lim_;
  std::vector<access> run_log_;  // count_classes: this run's accesses so far
  explore_stats& stats_;
  bool pruned_ = false;
  std::string error_;
};

bool sleepable(const node& n, const explore_limits& lim) {
  if (!lim.bound_sound || lim.preemption_bound == std::numeric_limits<std::uint32_t>::max()) return true;
  return n.chosen == n.current || !n.chosen_runnable_after;
}

/// Moves the deepest node with an untried allowed alternative to it,
/// popping exhausted nodes. Returns false when the tree is exhausted.
bool backtrack(std::vector<node>& nodes, const explore_limits& lim, explore_stats& stats) {
  while (!nodes.empty()) {
    node& n = nodes.back();
    n.done.push_back(n.chosen);
    if (lim.por == por_mode::sleep_sets && sleepable(n, lim)) n.slept_done.push_back({n.chosen, n.chosen_fp});
    for (task_id t : order(n)) {
      if (contains(n.done, t) || asleep(n.sleep, t)) continue;
      if (n.preempt_before + cost(n, t) > lim.preemption_bound) continue;
      n.chosen = t;
      return true;
    }
    for (task_id t : n.enabled) {
      if (contains(n.done, t)) continue;
      if (asleep(n.sleep, t)) {
        ++stats.sleep_skipped;
      } else {
        ++stats.bound_skipped;
      }
    }
    nodes.pop_back();
  }
  return false;
}

}  // namespace

explore_result explore(config cfg, const std::function<run_result(simulator&)>& one_run,
                       const explore_limits& limits) {
  if (limits.por == por_mode::dpor) return explore_dpor(cfg, one_run, limits);
  cfg.record_accesses = true;
  explore_result out;
  std::vector<node> nodes;
  dfs_scheduler sched(nodes, limits, out.stats);
  simulator sim(cfg, sched);
  dpor_detail::class_census census;
  const auto done = [&]() -> explore_result& {
    if (limits.count_classes) out.stats.classes = census.distinct();
    return out;
  };
  for (;;) {
    const run_result r = one_run(sim);
    if (sched.diverged()) throw std::logic_error(sched.error());
    out.stats.steps += r.steps;
    out.stats.depth_max = std::max(out.stats.depth_max, r.decisions);
    if (!sched.pruned()) {
      if (limits.on_execution) limits.on_execution(sim, r);
      if (!r.ok()) {
        out.violation = r;
        const auto d = sim.decisions().decisions();
        out.decisions.assign(d.begin(), d.end());
        if (!nodes.empty()) out.preemptions = nodes.back().preempt_before + cost(nodes.back(), nodes.back().chosen);
        return done();
      }
      ++out.stats.schedules;
      if (!nodes.empty()) dfs_scheduler::absorb(sim.accesses(), nodes.back());
      if (limits.count_classes) {
        const auto tail = sim.accesses();
        sched.run_log().insert(sched.run_log().end(), tail.begin(), tail.end());
        census.add(sched.run_log());
      }
    }
    if (limits.schedules_max != 0 &&
        out.stats.schedules + out.stats.sleep_blocked >= limits.schedules_max)
      return done();
    if (!backtrack(nodes, limits, out.stats)) {
      out.stats.complete = true;
      return done();
    }
  }
}

}  // namespace flushcoord::sim

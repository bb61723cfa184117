// sim/src/dpor_races.cpp — vector clocks and reversible races over one
// execution; see dpor_races.hpp and, for the method, flushcoord/sim/dpor.hpp.
#include "dpor_races.hpp"

#include <algorithm>
#include <map>
#include <utility>

#include "flushcoord/sim/hash.hpp"

namespace flushcoord::sim::dpor_detail {

namespace {

/// clock[t] = 1 + index of the latest event of task t that happens before.
using vclock = std::vector<std::uint32_t>;

void join(vclock& into, const vclock& from) {
  for (std::size_t t = 0; t < into.size(); ++t) into[t] = std::max(into[t], from[t]);
}

/// What the analysis remembers per object (keyed by class and id).
struct object_state {
  int last_write = -1;          // every mutex access is a write
  std::vector<int> reads;       // reads since last_write
  int last_acquire = -1;        // mutexes: the latest step that took it
};

std::uint64_t key(const access& a) {
  return (static_cast<std::uint64_t>(a.cls) << 32) | a.id;
}

bool happens_before(int i, const step_event& ei, const vclock& later) {
  return later[ei.task] >= static_cast<std::uint32_t>(i) + 1;
}

class analysis {
 public:
  analysis(const std::vector<step_event>& ev, std::size_t fresh_from, const race_sink& sink)
      : ev_(ev), fresh_from_(fresh_from), sink_(sink) {
    std::size_t tasks = 1;
    for (const step_event& e : ev)
      for (const access& a : e.footprint) {
        if (e.task != no_task) tasks = std::max<std::size_t>(tasks, e.task + 1);
        if (a.cls == object_class::wake || a.cls == object_class::task)
          tasks = std::max<std::size_t>(tasks, a.id + 1);
      }
    const vclock zero(tasks, 0);
    vc_.assign(ev.size(), zero);
    task_clock_.assign(tasks, zero);
    enabled_by_.assign(tasks, zero);
    barrier_ = zero;
    all_ = zero;
  }

  /// Each event's clock, once run() is done.
  const std::vector<vclock>& clocks() const noexcept { return vc_; }

  std::uint64_t run() {
    for (std::size_t j = 0; j < ev_.size(); ++j) {
      if (ev_[j].task == no_task) {
        barrier(j);
      } else {
        step(j);
      }
    }
    return reported_;
  }

 private:
  // Virtual time moves only when no task can run: everything before the
  // clock happens before it, and it before everything after.
  void barrier(std::size_t j) {
    vclock v = all_;
    join(v, barrier_);
    vc_[j] = v;
    barrier_ = v;
  }

  void step(std::size_t j) {
    const step_event& e = ev_[j];
    const task_id p = e.task;
    // The step's predecessors that are not races of it: its task's previous
    // step, the step that woke or spawned it, the last clock firing.
    vclock pre = task_clock_[p];
    join(pre, enabled_by_[p]);
    join(pre, barrier_);
    deps_.clear();
    cands_.clear();
    for (const access& a : e.footprint) collect(a);
    vclock v = pre;
    for (const edge& d : deps_) join(v, vc_[d.event]);
    v[p] = static_cast<std::uint32_t>(j) + 1;
    vc_[j] = v;
    if (j >= fresh_from_) report(j, pre);
    for (const access& a : e.footprint) record(a, static_cast<int>(j));
    task_clock_[p] = v;
    std::fill(enabled_by_[p].begin(), enabled_by_[p].end(), 0u);
    for (const access& a : e.footprint)
      if (a.cls == object_class::wake) join(enabled_by_[a.id], v);
    join(all_, v);
  }

  /// A direct predecessor of the current step and the object it came by
  /// (global_key for `global`); for candidates, whether it is a lock race.
  struct edge {
    int event;
    std::uint64_t object;
    bool lock_race;
    bool operator<(const edge& o) const { return event < o.event; }
  };
  static constexpr std::uint64_t global_key = ~std::uint64_t{0};

  void add(std::vector<edge>& to, int i, std::uint64_t object, bool lock_race = false) {
    if (i >= 0) to.push_back(edge{i, object, lock_race});
  }

  // Dependence: same object, at least one write; `global` against all. For
  // a mutex, only lock attempts (taken or blocked: access::acquire) race
  // with each other: an unlock cannot move before its own lock, and a lock
  // cannot move before the unlock it waited for, but it can move before the
  // other task's attempt.
  void collect(const access& a) {
    if (a.cls == object_class::wake || a.cls == object_class::step_end) return;
    add(deps_, last_global_, global_key);
    add(cands_, last_global_, global_key);
    if (a.cls == object_class::global) {
      for (const auto& [k, o] : objects_) collect_object(o, k, true, true);
      return;
    }
    collect_object(objects_[key(a)], key(a), a.write, a.acquire);
  }

  void collect_object(const object_state& o, std::uint64_t k, bool write, bool acquire) {
    add(deps_, o.last_write, k);
    if (static_cast<object_class>(k >> 32) == object_class::mutex) {
      if (acquire) add(cands_, o.last_acquire, k, true);
      return;
    }
    add(cands_, o.last_write, k);
    if (!write) return;
    for (int r : o.reads) {
      add(deps_, r, k);
      add(cands_, r, k);
    }
  }

  void record(const access& a, int j) {
    if (a.cls == object_class::wake || a.cls == object_class::step_end) return;
    if (a.cls == object_class::global) {
      last_global_ = j;
      return;
    }
    object_state& o = objects_[key(a)];
    if (a.write) {
      o.last_write = j;
      o.reads.clear();
    } else if (o.reads.empty() || o.reads.back() != j) {
      o.reads.push_back(j);
    }
    if (a.cls == object_class::mutex && a.acquire) o.last_acquire = j;
  }

  // A candidate i races with j when nothing between them orders them: i does
  // not happen before j's own predecessors (pre) nor before another direct
  // predecessor of j. For a lock race the path through the same mutex (the
  // first task's unlock) is what the reversal removes, so it does not count.
  void report(std::size_t j, const vclock& pre) {
    std::sort(cands_.begin(), cands_.end());
    for (std::size_t c = 0; c < cands_.size(); ++c) {
      const edge& cand = cands_[c];
      const int i = cand.event;
      if (c > 0 && cands_[c - 1].event == i) continue;
      const step_event& ei = ev_[i];
      if (ei.task == ev_[j].task || ei.task == no_task) continue;
      if (happens_before(i, ei, pre)) continue;
      const bool through_other = std::any_of(deps_.begin(), deps_.end(), [&](const edge& d) {
        if (d.event <= i) return false;
        if (cand.lock_race && d.object == cand.object) return false;
        return happens_before(i, ei, vc_[d.event]);
      });
      if (through_other) continue;
      // j's predecessors that stay when j moves before i: pre, and the
      // direct ones that do not happen after i.
      vclock jclock = pre;
      for (const edge& d : deps_)
        if (d.event != i && !(d.event > i && happens_before(i, ei, vc_[d.event]))) join(jclock, vc_[d.event]);
      initials(static_cast<std::size_t>(i), j, jclock);
      sink_(race{static_cast<std::size_t>(i), initials_, initial_events_, vc_, jclock, j});
      ++reported_;
    }
  }

  // Source-DPOR's I(notdep(i).j): the tasks whose first event in v (the
  // events between i and j that do not happen after i, then j) has no
  // predecessor in v. j's predecessors are taken from `pre` (its clock
  // without the race edge itself).
  void initials(std::size_t i, std::size_t j, const vclock& pre) {
    const step_event& ei = ev_[i];
    first_in_v_.assign(task_clock_.size(), -1);
    initials_.clear();
    initial_events_.clear();
    auto consider = [&](int k, task_id q, const vclock& clock) {
      if (first_in_v_[q] >= 0) return;
      bool has_pred = false;
      for (std::size_t t = 0; t < first_in_v_.size() && !has_pred; ++t)
        if (t != q && first_in_v_[t] >= 0 && clock[t] >= static_cast<std::uint32_t>(first_in_v_[t]) + 1)
          has_pred = true;
      first_in_v_[q] = k;
      if (has_pred) return;
      initials_.push_back(q);
      initial_events_.push_back(static_cast<std::size_t>(k));
    };
    for (std::size_t k = i + 1; k < j; ++k) {
      const step_event& ek = ev_[k];
      if (ek.task == no_task || happens_before(static_cast<int>(i), ei, vc_[k])) continue;
      consider(static_cast<int>(k), ek.task, vc_[k]);
    }
    consider(static_cast<int>(j), ev_[j].task, pre);
  }

  const std::vector<step_event>& ev_;
  std::size_t fresh_from_;
  const race_sink& sink_;
  std::vector<vclock> vc_;
  std::vector<vclock> task_clock_;
  std::vector<vclock> enabled_by_;
  vclock barrier_;
  vclock all_;
  std::map<std::uint64_t, object_state> objects_;
  int last_global_ = -1;
  std::vector<edge> deps_, cands_;
  std::vector<int> first_in_v_;
  std::vector<task_id> initials_;
  std::vector<std::size_t> initial_events_;
  std::uint64_t reported_ = 0;
};

}  // namespace

std::vector<step_event> split_steps(std::span<const access> log) {
  std::vector<step_event> out;
  std::size_t i = 0;
  while (i < log.size()) {
    std::size_t j = i;
    while (j < log.size() && log[j].step == log[i].step) ++j;
    step_event task_ev, clock_ev;
    task_ev.step = clock_ev.step = log[i].step;
    for (std::size_t k = i; k < j; ++k) {
      const access& a = log[k];
      if (a.task == no_task) {
        clock_ev.footprint.push_back(a);
        continue;
      }
      task_ev.task = a.task;
      if (a.cls == object_class::step_end) {
        task_ev.ends_runnable = a.id != 0;
      } else {
        task_ev.footprint.push_back(a);
      }
    }
    if (task_ev.task != no_task) out.push_back(std::move(task_ev));
    if (!clock_ev.footprint.empty()) out.push_back(std::move(clock_ev));
    i = j;
  }
  return out;
}

std::uint64_t find_races(const std::vector<step_event>& ev, std::size_t fresh_from, const race_sink& sink) {
  return analysis(ev, fresh_from, sink).run();
}

std::vector<vector_clock> clocks_of(const std::vector<step_event>& ev) {
  const race_sink none = [](const race&) {};
  analysis an(ev, ev.size(), none);  // clocks only: no event is fresh
  an.run();
  return an.clocks();
}

class_key class_of(const std::vector<step_event>& ev, const std::vector<vector_clock>& vc) {
  const std::size_t tasks = vc.empty() ? 0 : vc.front().size();
  // An event is named by (task, its ordinal in that task); the clock is one
  // more task. Its clock entries become ordinals too, so the name of every
  // event depends only on the class, not on where the run placed it.
  const std::size_t clock_task = tasks;
  std::vector<std::uint32_t> ordinal(ev.size());
  std::vector<std::uint32_t> count(tasks + 1, 0);
  std::vector<std::vector<std::pair<std::uint64_t, std::uint64_t>>> per_task(tasks + 1);
  // Stop states are numbered in the run's order of first sight, which
  // independent first sights permute (two sleeps on one token read it
  // unordered). So a state is named by the least (task, ordinal) of the
  // events that touch it, which every run of the class has, and the
  // position of its first access in that event's footprint. Naming by the
  // run's first toucher instead split one class into several.
  for (std::size_t j = 0; j < ev.size(); ++j) {
    const std::size_t t = ev[j].task == no_task ? clock_task : ev[j].task;
    ordinal[j] = count[t]++;
  }
  std::map<std::uint32_t, std::uint64_t> stop_name;
  for (std::size_t j = 0; j < ev.size(); ++j) {
    const std::uint64_t t = ev[j].task == no_task ? clock_task : ev[j].task;
    for (std::size_t k = 0; k < ev[j].footprint.size(); ++k) {
      const access& a = ev[j].footprint[k];
      if (a.cls != object_class::stop) continue;
      const std::uint64_t name = (t << 48) | (std::uint64_t{ordinal[j]} << 16) | k;
      const auto [it, fresh] = stop_name.try_emplace(a.id, name);
      if (!fresh && (name >> 16) < (it->second >> 16)) it->second = name;
    }
  }
  std::fill(count.begin(), count.end(), 0);
  for (std::size_t j = 0; j < ev.size(); ++j) {
    const std::size_t t = ev[j].task == no_task ? clock_task : ev[j].task;
    ++count[t];
    fnv1a64 h1, h2;
    h2.add(0x9e3779b97f4a7c15ULL);  // a second, independent stream
    auto add = [&](std::uint64_t w) {
      h1.add(w);
      h2.add(w);
    };
    add(count[clock_task]);  // clock firings before it (or its own rank)
    for (const access& a : ev[j].footprint) {
      add((static_cast<std::uint64_t>(a.cls) << 48) | (static_cast<std::uint64_t>(a.write) << 41) |
          (static_cast<std::uint64_t>(a.acquire) << 40) | (a.cls == object_class::stop ? 0 : a.id));
      if (a.cls == object_class::stop) add(stop_name.at(a.id));
    }
    add(~std::uint64_t{0});
    for (std::size_t u = 0; u < tasks; ++u) {
      const std::uint32_t latest = vc[j][u];  // 1 + the event index, or 0
      add(latest == 0 ? 0 : ordinal[latest - 1] + 1);
    }
    per_task[t].emplace_back(h1.value(), h2.value());
  }
  fnv1a64 k1, k2;
  k2.add(0x9e3779b97f4a7c15ULL);
  for (std::size_t t = 0; t <= tasks; ++t) {
    k1.add(t);
    k2.add(t);
    k1.add(per_task[t].size());
    k2.add(per_task[t].size());
    for (const auto& [x, y] : per_task[t]) {
      k1.add(x);
      k2.add(y);
    }
  }
  return {k1.value(), k2.value()};
}

}  // namespace flushcoord::sim::dpor_detail

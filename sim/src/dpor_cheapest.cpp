// sim/src/dpor_cheapest.cpp — the fewest preemptions of any execution in a
// run's equivalence class (dpor_races.hpp: cheapest_preemptions).
//
// Why: a preemption bound applied to the schedule that happened to run says
// little about a class, since DPOR's representative of a class is rarely its
// cheapest schedule (Coons et al., OOPSLA 2013). The class's own bound (the
// cheapest of its linearizations; Marmanis, Kokologiannakis and Vafeiadis,
// TACAS 2023, bound execution graphs this way) says which classes a sound
// bounded search must reach: one execution each, the floor of any such
// search (docs/model-checking.md, "Classes").
//
// A preemption is counted as the explorers count it (dpor.cpp,
// preemption_cost): a choice that switches away from the task that just
// stepped while that task can still run. After a step that blocked or
// finished, and after the clock fired, the next choice is free. The clock
// fires only when no task can run, so it splits a run into epochs whose
// costs add up, each searched on its own. A task poised at lock() of a
// mutex another task holds cannot run either (its step would only block),
// unless every runnable task would; the holder at each point of an order is
// replayed from the events' mutex accesses.
//
// Where this cannot tell, it charges the preemption: switching to a task
// that would itself block counts, even if a third task could have run.
// Every order is therefore charged at least what the explorers charge it,
// the result is never below the true fewest, and a class counted as within
// a bound is within it. The test "the classes within the bound" checks the
// counts against the bounded search without reduction.
#include <algorithm>
#include <map>
#include <string>
#include <unordered_map>
#include <utility>

#include "dpor_races.hpp"

namespace flushcoord::sim::dpor_detail {

namespace {

/// Depth-first search over the orders of one epoch's events, cheapest
/// first, with the cheapest cost seen per (events placed, current task).
class epoch_search {
 public:
  /// The epoch's events are ev[begin, end) and, if `extra` is given, one
  /// more: an event of ev after `end` with the clock *extra_clock, whose
  /// predecessors are all before `end` (a prefix's next step, not copied).
  /// open_end: the events are a prefix of an execution, so a task may do
  /// more after its last event here, or not, and tasks with no event here
  /// may run: switching away from a task after its last event, or while it
  /// would block, is free (a lower bound).
  epoch_search(const std::vector<step_event>& ev, const std::vector<vector_clock>& clocks, std::size_t begin,
               std::size_t end, std::size_t tasks, bool open_end, std::size_t extra = npos,
               const vector_clock* extra_clock = nullptr)
      : ev_(ev), clocks_(clocks), begin_(begin), contiguous_(end - begin), extra_(extra),
        extra_clock_(extra_clock), open_end_(open_end), chain_(tasks), pos_(tasks, 0) {
    const std::size_t n = contiguous_ + (extra == npos ? 0 : 1);
    rank_.resize(n);
    effects_.resize(n);
    lock_at_start_.assign(n, none);
    std::size_t longest = 0;
    for (std::size_t l = 0; l < n; ++l) {
      std::vector<std::size_t>& c = chain_[event(l).task];
      rank_[l] = static_cast<std::uint32_t>(c.size());
      c.push_back(l);
      longest = std::max(longest, c.size());
      note_mutexes(l);
    }
    left_ = n;
    narrow_keys_ = tasks < 15 && longest < 255;
  }

  static constexpr std::size_t npos = ~std::size_t{0};

  /// The holder of every mutex when the epoch begins (the run's order of
  /// the earlier epochs, which every order of this one follows).
  void start_from(const std::map<std::uint32_t, task_id>& held) {
    for (const auto& [m, who] : held) holder_[dense(m)] = who;
  }
  /// The holders after the epoch (its order does not change them: every
  /// access to a mutex is ordered with every other).
  void finish_into(std::map<std::uint32_t, task_id>& held) const {
    std::vector<task_id> after = holder_;  // the search restored the start
    for (const auto& effect : effects_)
      for (const auto& [m, who] : effect) after[m] = who;
    for (const auto& [m, d] : dense_) held[m] = after[d];
  }

  /// The cheapest cost of the epoch, or any value > cap if it exceeds cap.
  std::uint32_t cheapest(std::uint32_t cap) {
    best_ = cap + 1;
    go(no_task, 0);
    return best_;
  }

 private:
  static constexpr std::uint32_t none = ~std::uint32_t{0};

  // An event by its local index: the epoch's contiguous events, then the extra.
  const step_event& event(std::size_t l) const { return l < contiguous_ ? ev_[begin_ + l] : ev_[extra_]; }
  const vector_clock& clock(std::size_t l) const { return l < contiguous_ ? clocks_[begin_ + l] : *extra_clock_; }

  std::uint32_t dense(std::uint32_t mutex) {
    const auto [it, fresh] = dense_.try_emplace(mutex, static_cast<std::uint32_t>(holder_.size()));
    if (fresh) holder_.push_back(no_task);
    return it->second;
  }

  // What event j does to mutex holders: a lock attempt takes the mutex
  // unless the step ends blocked right there (simulator::relock logs the
  // attempt, then blocks); any other mutex access (unlock, the release of a
  // condvar wait) frees it. A step poised at lock() starts with its attempt.
  void note_mutexes(std::size_t l) {
    const step_event& e = event(l);
    for (std::size_t k = 0; k < e.footprint.size(); ++k) {
      const access& a = e.footprint[k];
      if (a.cls != object_class::mutex) continue;
      const std::uint32_t m = dense(a.id);
      if (k == 0 && a.acquire) lock_at_start_[l] = m;
      const bool blocked_here = a.acquire && k + 1 == e.footprint.size() && !e.ends_runnable;
      if (blocked_here) continue;
      effects_[l].emplace_back(m, a.acquire ? e.task : no_task);
    }
  }

  /// Whether task t's next event is an attempt at a mutex another task holds.
  bool would_block(std::size_t t) const {
    if (pos_[t] >= chain_[t].size()) return false;
    const std::uint32_t m = lock_at_start_[chain_[t][pos_[t]]];
    return m != none && holder_[m] != no_task && holder_[m] != t;
  }

  /// Whether task t's next event has every predecessor placed.
  bool placeable(std::size_t t) const {
    if (pos_[t] >= chain_[t].size()) return false;
    const vector_clock& c = clock(chain_[t][pos_[t]]);
    for (std::size_t u = 0; u < c.size(); ++u) {
      if (u == t || c[u] == 0) continue;
      const std::size_t pred = c[u] - 1;
      if (pred < begin_) continue;  // an earlier epoch
      if (rank_[pred - begin_] >= pos_[u]) return false;  // never the extra: no event follows it
    }
    return true;
  }

  void go(task_id current, std::uint32_t cost) {
    if (cost >= best_) return;
    if (left_ == 0) {
      best_ = cost;
      return;
    }
    const auto [it, fresh] = seen_.try_emplace(key(current), cost);
    if (!fresh) {
      if (it->second <= cost) return;
      it->second = cost;
    }
    // The current task first: continuing it is free, so a cheap order is
    // found early and bounds the rest.
    if (current != no_task && placeable(current)) place(current, cost);
    const bool current_blocks = current != no_task && would_block(current);
    for (std::size_t q = 0; q < chain_.size(); ++q) {
      if (q == current || !placeable(q)) continue;
      // Free when the current task cannot run: it would block, and q shows
      // that not every runnable task would. With an open end, a task not
      // among these events might be that one, so a switch from a blocked
      // task is free whatever q is (a lower bound must not charge where it
      // cannot tell).
      const bool free = current == no_task || (current_blocks && (open_end_ || !would_block(q)));
      place(q, cost + (free ? 0u : 1u));
    }
  }

  /// The memo's key: events placed per task, and the current task. One
  /// byte each where they fit, so the string stays in its inline buffer.
  std::string key(task_id current) const {
    std::string k;
    if (narrow_keys_) {
      for (const std::uint32_t p : pos_) k.push_back(static_cast<char>(p));
      k.push_back(static_cast<char>(current == no_task ? 0xff : current));
      return k;
    }
    k.assign(reinterpret_cast<const char*>(pos_.data()), pos_.size() * sizeof(pos_[0]));
    k.append(reinterpret_cast<const char*>(&current), sizeof current);
    return k;
  }

  void place(std::size_t q, std::uint32_t cost) {
    const std::size_t l = chain_[q][pos_[q]];
    const bool may_stop_here = open_end_ && pos_[q] + 1 == chain_[q].size();
    const std::size_t undo = undo_.size();
    for (const auto& [m, who] : effects_[l]) {
      undo_.emplace_back(m, holder_[m]);
      holder_[m] = who;
    }
    ++pos_[q];
    --left_;
    go(event(l).ends_runnable && !may_stop_here ? static_cast<task_id>(q) : no_task, cost);
    ++left_;
    --pos_[q];
    while (undo_.size() > undo) {
      holder_[undo_.back().first] = undo_.back().second;
      undo_.pop_back();
    }
  }

  const std::vector<step_event>& ev_;
  const std::vector<vector_clock>& clocks_;
  std::size_t begin_;
  std::size_t contiguous_;                       // events ev[begin_, begin_ + contiguous_)
  std::size_t extra_;                            // and this one, or npos
  const vector_clock* extra_clock_;
  bool open_end_;
  bool narrow_keys_ = false;
  std::vector<std::vector<std::size_t>> chain_;  // per task: its events in this epoch (local indices)
  std::vector<std::uint32_t> rank_;              // per local event: its position in its task's chain
  std::vector<std::uint32_t> pos_;               // per task: events placed
  std::size_t left_ = 0;
  std::map<std::uint32_t, std::uint32_t> dense_;                            // mutex name -> index
  std::vector<task_id> holder_;                                              // per mutex, in this order
  std::vector<std::vector<std::pair<std::uint32_t, task_id>>> effects_;     // per local event: (mutex, holder after)
  std::vector<std::uint32_t> lock_at_start_;                                 // per local event: mutex, or none
  std::vector<std::pair<std::uint32_t, task_id>> undo_;
  std::uint32_t best_ = 0;
  // Lookups only, never iterated: no order of it reaches a result.
  std::unordered_map<std::string, std::uint32_t> seen_;
};

/// The cheapest cost of the epoch ev[begin, end) (and `extra`, if given),
/// starting from and updating the mutex holders `held`, capped at cap + 1.
std::uint32_t epoch_cost(const std::vector<step_event>& ev, const std::vector<vector_clock>& clocks,
                         std::size_t begin, std::size_t end, bool open_end, std::size_t extra,
                         const vector_clock* extra_clock, std::map<std::uint32_t, task_id>& held, std::uint32_t cap) {
  if (end == begin && extra == epoch_search::npos) return 0;
  const std::size_t tasks = clocks.empty() ? 0 : clocks.front().size();
  epoch_search epoch(ev, clocks, begin, end, tasks, open_end, extra, extra_clock);
  epoch.start_from(held);
  const std::uint32_t c = epoch.cheapest(cap);
  epoch.finish_into(held);
  return c;
}

}  // namespace

std::uint32_t cheapest_preemptions(const std::vector<step_event>& ev, const std::vector<vector_clock>& clocks,
                                   std::uint32_t cap) {
  std::uint32_t total = 0;
  std::map<std::uint32_t, task_id> held;  // mutex name -> holder, between epochs
  std::size_t begin = 0;
  while (begin < ev.size()) {
    std::size_t end = begin;
    while (end < ev.size() && ev[end].task != no_task) ++end;
    total += epoch_cost(ev, clocks, begin, end, false, epoch_search::npos, nullptr, held, cap - total);
    if (total > cap) return cap + 1;
    begin = end + 1;  // past the clock's event
  }
  return total;
}

std::uint32_t prefix_bound::of(std::size_t prefix_end, std::size_t next, const vector_clock& next_clock) {
  // The epochs before the prefix's last clock firing are closed: every
  // task's last event before a firing left it unable to run (the clock
  // fires only then). Their cost is the same for every prefix that
  // reaches past them, so it is computed once per run.
  std::size_t open_from = 0;
  for (std::size_t j = prefix_end; j > 0; --j)
    if (ev_.get()[j - 1].task == no_task) {
      open_from = j;
      break;
    }
  while (open_from > 0 && (closed_.empty() || closed_.back().end < open_from)) {
    const std::size_t begin = closed_.empty() ? 0 : closed_.back().end;
    closed_epoch next_epoch = closed_.empty() ? closed_epoch{} : closed_.back();
    std::size_t end = begin;
    while (ev_.get()[end].task != no_task) ++end;
    if (next_epoch.cost <= cap_)
      next_epoch.cost += epoch_cost(ev_, clocks_, begin, end, false, epoch_search::npos, nullptr, next_epoch.held,
                                    cap_ - next_epoch.cost);
    next_epoch.end = end + 1;  // past the clock's event
    closed_.push_back(std::move(next_epoch));
  }
  closed_epoch at{};
  for (const closed_epoch& c : closed_)
    if (c.end == open_from) at = c;  // open_from 0: none, nothing is closed
  if (at.cost > cap_) return cap_ + 1;
  // The open epoch: the prefix's events after its last firing, then the
  // next step; switching away from a task after its last event is free.
  const std::uint32_t open =
      epoch_cost(ev_, clocks_, open_from, prefix_end, true, next, &next_clock, at.held, cap_ - at.cost);
  return std::min(at.cost + open, cap_ + 1);
}

}  // namespace flushcoord::sim::dpor_detail

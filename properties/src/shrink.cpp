// properties/src/shrink.cpp — see shrink.hpp.
#include "flushcoord/properties/shrink.hpp"

#include <algorithm>
#include <functional>
#include <optional>
#include <stdexcept>
#include <tuple>

#include "flushcoord/sim/default_replay.hpp"
#include "flushcoord/sim/replay_scheduler.hpp"

namespace flushcoord::properties {

std::string failure_signature::describe() const {
  std::string s(sim::to_string(what));
  if (!property.empty()) s += " [" + property + "]";
  return s;
}

failure_signature signature_of(const sim::failure& f) {
  failure_signature s{f.what, {}};
  if (!f.message.empty() && f.message.front() == '[') {
    const auto close = f.message.find(']');
    if (close != std::string::npos) s.property = f.message.substr(1, close - 1);
  }
  return s;
}

namespace {

/// One candidate run and what it produced.
struct attempt {
  bool reproduces = false;
  std::vector<sim::decision> exact;        // the run's own decisions
  std::vector<std::uint32_t> preemptions;  // default_replay::preemption_defaults
  schedule_size size;
};

bool smaller(const schedule_size& a, const schedule_size& b) {
  return std::tie(a.steps, a.preemptions, a.decisions) < std::tie(b.steps, b.preemptions, b.decisions);
}

class shrinker {
 public:
  shrinker(std::uint64_t seed, failure_signature target, const shrink_options& opts)
      : seed_(seed), target_(std::move(target)), opts_(opts) {}

  attempt run(const scenario& sc, std::span<const sim::decision> ds) {
    ++runs_;
    sim::default_replay sched(ds);
    sim::config cfg;
    cfg.seed = seed_;
    sim::simulator s(cfg, sched);
    const scenario_outcome out = opts_.run(sc, s);
    attempt a;
    a.reproduces = out.run.failed && signature_of(*out.run.failed) == target_;
    const auto d = s.decisions().decisions();
    a.exact.assign(d.begin(), d.end());
    const auto p = sched.preemption_defaults();
    a.preemptions.assign(p.begin(), p.end());
    a.size = schedule_size{out.run.steps, sched.preemptions(), a.exact.size(), sc.flushes.size()};
    return a;
  }

  bool budget_left() const { return runs_ < opts_.runs_max; }
  std::size_t runs() const { return runs_; }

  /// Tries `ds` on `sc`; adopts it as the best if it reproduces and is smaller.
  bool try_schedule(const scenario& sc, std::span<const sim::decision> ds) {
    if (!budget_left()) return false;
    attempt a = run(sc, ds);
    if (!a.reproduces || !smaller(a.size, best_.size)) return false;
    best_ = std::move(a);
    return true;
  }

  /// Tries a simpler scenario with the current schedule; adopts it if the
  /// failure reproduces (whatever the schedule's size: the scenario shrank).
  bool try_scenario(const scenario& candidate) {
    if (!budget_left() || candidate == sc_) return false;
    attempt a = run(candidate, best_.exact);
    if (!a.reproduces) return false;
    sc_ = candidate;
    best_ = std::move(a);
    return true;
  }

  bool ddmin() {
    bool any = false;
    std::size_t n = 2;
    while (best_.exact.size() >= 2 && budget_left()) {
      const std::size_t len = best_.exact.size();
      const std::size_t chunk = (len + n - 1) / n;
      bool reduced = false;
      for (std::size_t start = 0; start < len && budget_left(); start += chunk) {
        std::vector<sim::decision> cand(best_.exact.begin(), best_.exact.begin() + static_cast<std::ptrdiff_t>(start));
        cand.insert(cand.end(), best_.exact.begin() + static_cast<std::ptrdiff_t>(std::min(len, start + chunk)),
                    best_.exact.end());
        if (try_schedule(sc_, cand)) {
          reduced = any = true;
          break;
        }
      }
      if (reduced) {
        n = std::max<std::size_t>(2, n - 1);
      } else {
        if (chunk <= 1) break;
        n = std::min(len, n * 2);
      }
    }
    return any;
  }

  bool truncate() {
    bool any = false;
    std::size_t keep = 0;
    while (keep < best_.exact.size() && budget_left()) {
      const std::vector<sim::decision> cand(best_.exact.begin(), best_.exact.begin() + static_cast<std::ptrdiff_t>(keep));
      if (try_schedule(sc_, cand)) {
        any = true;
        keep = 0;
      } else {
        keep = keep == 0 ? 1 : keep * 2;
      }
    }
    return any;
  }

  bool remove_preemptions() {
    bool any = false;
    for (std::size_t i = 0; i < best_.preemptions.size() && budget_left(); ++i) {
      const std::uint32_t def = best_.preemptions[i];
      if (def == sim::default_replay::no_preemption || i >= best_.exact.size()) continue;
      std::vector<sim::decision> cand = best_.exact;
      cand[i].index = def;
      if (try_schedule(sc_, cand)) any = true;
    }
    return any;
  }

  bool shrink_scenario() {
    bool any = false;
    for (std::size_t i = sc_.flushes.size(); i-- > 0 && budget_left();) {
      if (i >= sc_.flushes.size()) continue;
      scenario c = sc_;
      c.flushes.erase(c.flushes.begin() + static_cast<std::ptrdiff_t>(i));
      if (try_scenario(c)) {
        any = true;
        continue;
      }
      c = sc_;
      c.flushes[i].what = fault::none;
      any |= try_scenario(c);
      c = sc_;
      c.flushes[i].drop_ticket = false;
      any |= try_scenario(c);
      c = sc_;
      c.flushes[i].commit_path = false;
      any |= try_scenario(c);
      any |= simplify_api_fields(i);
    }
    any |= drop_calls(&scenario::drains);
    any |= drop_calls(&scenario::shutdowns);
    any |= drop_calls(&scenario::closes);
    if (sc_.writers > 1 && budget_left()) {  // one writer, if the failure needs no more
      scenario c = sc_;
      c.writers = 1;
      for (auto& f : c.flushes) f.writer = 0;
      any |= try_scenario(c);
    }
    scenario c = sc_;
    c.runtime_stop_at_ns.reset();
    any |= try_scenario(c);
    c = sc_;
    c.close_early = false;
    any |= try_scenario(c);
    c = sc_;
    c.writer_gap_ns = 0;
    any |= try_scenario(c);
    c = sc_;
    c.stream_timeout_ns.reset();
    any |= try_scenario(c);
    return any;
  }

  /// Puts each whole-API field of flush i back to the polite writer's value,
  /// one at a time.
  bool simplify_api_fields(std::size_t i) {
    const flush_plan plain;
    bool any = false;
    auto attempt_with = [&](auto field) {
      if (!budget_left() || sc_.flushes[i].*field == plain.*field) return;
      scenario c = sc_;
      c.flushes[i].*field = plain.*field;
      any |= try_scenario(c);
    };
    attempt_with(&flush_plan::acquire_timeout_ns);
    attempt_with(&flush_plan::drop_permit_first);
    attempt_with(&flush_plan::hold_ns);
    attempt_with(&flush_plan::engine_ns);
    attempt_with(&flush_plan::ticket_wait_for_ns);
    attempt_with(&flush_plan::ticket_poll);
    attempt_with(&flush_plan::ticket_copy);
    attempt_with(&flush_plan::failure_throws);
    attempt_with(&flush_plan::acquire_cancel_ns);
    attempt_with(&flush_plan::acquire_async);
    attempt_with(&flush_plan::ticket_cancel_ns);
    attempt_with(&flush_plan::ticket_async);
    return any;
  }

  bool drop_calls(std::vector<timed_call> scenario::*calls) {
    bool any = false;
    for (std::size_t i = (sc_.*calls).size(); i-- > 0 && budget_left();) {
      if (i >= (sc_.*calls).size()) continue;
      scenario c = sc_;
      (c.*calls).erase((c.*calls).begin() + static_cast<std::ptrdiff_t>(i));
      any |= try_scenario(c);
    }
    return any;
  }

  scenario sc_;
  attempt best_;

 private:
  std::uint64_t seed_;
  failure_signature target_;
  shrink_options opts_;
  std::size_t runs_ = 0;
};

}  // namespace

shrink_result shrink(const scenario& sc, std::uint64_t seed, std::span<const sim::decision> decisions,
                     const failure_signature& target, const shrink_options& opts) {
  shrinker s(seed, target, opts);
  s.sc_ = sc;
  s.best_ = s.run(sc, decisions);
  if (!s.best_.reproduces)
    throw std::invalid_argument("shrink: the run does not fail with " + target.describe());
  shrink_result out;
  out.before = s.best_.size;
  bool progress = true;
  while (progress && s.budget_left()) {
    progress = s.truncate();
    progress |= s.ddmin();
    progress |= s.remove_preemptions();
    if (opts.scenario) progress |= s.shrink_scenario();
  }
  out.sc = s.sc_;
  out.decisions = s.best_.exact;
  out.after = s.best_.size;
  out.runs = s.runs();
  out.signature = target;
  // The exact replay, as a trace reader will do it.
  sim::replay_scheduler replay(out.decisions);
  sim::config cfg;
  cfg.seed = seed;
  sim::simulator sim(cfg, replay);
  out.outcome = opts.run(out.sc, sim);
  if (!out.outcome.run.failed || !(signature_of(*out.outcome.run.failed) == target))
    throw std::logic_error("shrink: the shrunk schedule does not replay exactly: " + out.outcome.describe());
  return out;
}

}  // namespace flushcoord::properties

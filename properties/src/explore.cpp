// properties/src/explore.cpp — the fixed scenario of `flushsim explore` and
// its exhaustive exploration; see explore.hpp.
#include "flushcoord/properties/explore.hpp"

#include <algorithm>
#include <sstream>
#include <stdexcept>

#include "flushcoord/properties/mutant_switch.hpp"
#include "flushcoord/sim/replay_scheduler.hpp"

namespace flushcoord::properties {

namespace {

constexpr std::int64_t us = 1'000;
constexpr std::int64_t ms = 1'000'000;

bool needs_timeout(fault f) {
  return f == fault::stream_stall || f == fault::stream_hang || f == fault::stream_at_deadline;
}

/// When the runtime stops if that choice is taken: flush 0's stream is
/// running, and any stream spawned later never runs (the never-ran path).
/// An instant where little else happens: the stop races every stream spawn
/// and every stream's first step around it (access.hpp, streams_stop), so
/// a busy instant multiplies the executions.
constexpr std::int64_t runtime_stop_choice_at_ns = 500 * us;

void add(sim::explore_stats& total, const sim::explore_stats& one) {
  total.schedules += one.schedules;
  total.sleep_blocked += one.sleep_blocked;
  total.sleep_skipped += one.sleep_skipped;
  total.bound_skipped += one.bound_skipped;
  total.steps += one.steps;
  total.depth_max = std::max(total.depth_max, one.depth_max);
  total.complete = total.complete && one.complete;
  total.races += one.races;
  total.backtracks += one.backtracks;
  total.races_unplaced += one.races_unplaced;
  total.over_bound += one.over_bound;
  total.classes += one.classes;  // each fault combination is its own program
  total.classes_within_bound += one.classes_within_bound;
}

bool is_finalize_fault(fault f) { return f == fault::finalize_error || f == fault::finalize_throw; }

/// What an engine without finalize faults can be asked for.
void drop_finalize_faults(scenario& s) {
  for (flush_plan& p : s.flushes) {
    if (is_finalize_fault(p.what)) p.what = fault::none;
    p.failure_throws = false;
  }
}

/// The fault choices the engine can take.
std::vector<fault> effective_choices(const explore_options& opts) {
  std::vector<fault> out = opts.fault_choices;
  if (!opts.finalize_faults) std::erase_if(out, is_finalize_fault);
  return out;
}

/// The fixed scenario or the given one, as the options shape it.
scenario shaped_scenario(const explore_options& opts) {
  if (opts.given) return *opts.given;
  scenario s;
  s.max_pending = opts.max_pending;
  s.writers = std::max<std::uint32_t>(opts.writers, 1);
  for (std::size_t i = 0; i < opts.flushes; ++i) {
    flush_plan p;
    p.stream_ns = i % 2 == 0 ? 1 * ms : 500 * us;
    p.writer = static_cast<std::uint32_t>(i % s.writers);
    p.acquire_timeout_ns = opts.acquire_for_ns;
    if (!opts.faults.empty()) p.what = opts.faults[i % opts.faults.size()];
    if (needs_timeout(p.what)) s.stream_timeout_ns = 2 * ms;
    s.flushes.push_back(p);
  }
  for (std::size_t k = 0; k < opts.drains; ++k)
    s.drains.push_back(timed_call{250 * us + static_cast<std::int64_t>(k) * 100 * us, 1500 * us});
  for (std::size_t k = 0; k < opts.shutdowns; ++k)
    s.shutdowns.push_back(timed_call{750 * us + static_cast<std::int64_t>(k) * 100 * us, 0});
  for (const std::int64_t at : opts.close_at_ns) s.closes.push_back(timed_call{at, 0});
  return s;
}

}  // namespace

scenario explore_scenario(const explore_options& opts) {
  scenario s = shaped_scenario(opts);
  if (!opts.finalize_faults) drop_finalize_faults(s);
  return s;
}

std::uint64_t fault_combinations(const explore_options& opts) {
  constexpr std::uint64_t most = 1'000'000;
  std::uint64_t n = opts.runtime_stop_choice ? 2 : 1;
  const std::vector<fault> choices = effective_choices(opts);
  if (choices.empty()) return n;
  const std::size_t flushes = explore_scenario(opts).flushes.size();
  for (std::size_t i = 0; i < flushes; ++i) {
    n *= choices.size();
    if (n > most)
      throw std::invalid_argument("--fault-choices: more than " + std::to_string(most) +
                                  " combinations; use fewer flushes or fewer choices");
  }
  return n;
}

scenario with_fault_choice(const explore_options& opts, std::uint64_t k) {
  scenario s = explore_scenario(opts);
  // Digits, fastest first: the runtime stop, then flush n-1 ... flush 0.
  if (opts.runtime_stop_choice) {
    if (k % 2 == 1) s.runtime_stop_at_ns = runtime_stop_choice_at_ns;
    k /= 2;
  }
  const std::vector<fault> choices = effective_choices(opts);
  if (choices.empty()) return s;
  for (std::size_t i = s.flushes.size(); i-- > 0;) {
    s.flushes[i].what = choices[k % choices.size()];
    k /= choices.size();
  }
  // Every combination gets the timeout when any choice needs one, so the
  // combinations differ in their faults only.
  if (std::any_of(choices.begin(), choices.end(), needs_timeout) && !s.stream_timeout_ns)
    s.stream_timeout_ns = 2 * ms;
  return s;
}

std::vector<fault> parse_fault_list(const std::string& text) {
  std::vector<fault> out;
  std::stringstream in(text);
  std::string item;
  while (std::getline(in, item, ',')) {
    const auto f = fault_from_string(item);
    if (!f) throw std::invalid_argument("unknown fault '" + item + "'");
    out.push_back(*f);
  }
  return out;
}

exploration explore_schedules(const explore_options& opts) {
  const mutant_scope mutant(opts.mutant);
  exploration out;
  out.preemption_bound = opts.preemption_bound;
  out.por = opts.por;
  out.bound_counts_only = opts.bound_counts_only;
  sim::config cfg;
  cfg.seed = 0;  // the scenario is fixed; the schedule is the explorer's
  cfg.record_events = opts.record_events;
  sim::explore_limits lim;
  lim.preemption_bound = opts.preemption_bound;
  lim.por = opts.por;
  lim.on_execution = opts.on_execution;
  lim.bound_sound = opts.bound_sound;
  lim.count_classes = opts.count_classes;
  lim.bound_counts_only = opts.bound_counts_only;
  sim::explore_stats total;
  total.complete = true;
  const std::uint64_t combinations = fault_combinations(opts);
  out.combinations = 0;
  for (std::uint64_t k = 0; k < combinations; ++k) {
    if (opts.schedules_max != 0 && total.schedules >= opts.schedules_max) {
      total.complete = false;
      break;
    }
    lim.schedules_max = opts.schedules_max == 0 ? 0 : opts.schedules_max - total.schedules;
    const scenario sc = with_fault_choice(opts, k);
    sim::explore_result one = sim::explore(cfg, [&](sim::simulator& s) { return opts.run(sc, s).run; }, lim);
    add(total, one.stats);
    ++out.combinations;
    if (k == 0 || one.violation) out.sc = sc;
    if (one.violation) {
      out.result = std::move(one);
      break;
    }
  }
  out.result.stats = total;
  if (out.result.violation) {
    sim::replay_scheduler replay(out.result.decisions);
    cfg.record_events = false;
    sim::simulator s(cfg, replay);
    out.failing = opts.run(out.sc, s);
  }
  return out;
}

void parse_fault_choices(const std::string& text, explore_options& opts) {
  opts.fault_choices.clear();
  opts.runtime_stop_choice = false;
  if (text == "all") {
    opts.fault_choices = all_fault_choices();
    opts.runtime_stop_choice = true;
    return;
  }
  std::stringstream in(text);
  std::string item;
  while (std::getline(in, item, ',')) {
    if (item == "runtime_stop") {
      opts.runtime_stop_choice = true;
      continue;
    }
    const auto f = fault_from_string(item);
    if (!f) throw std::invalid_argument("--fault-choices: unknown fault '" + item + "'");
    if (std::find(opts.fault_choices.begin(), opts.fault_choices.end(), *f) != opts.fault_choices.end())
      throw std::invalid_argument("--fault-choices: '" + item + "' is listed twice");
    opts.fault_choices.push_back(*f);
  }
  if (opts.fault_choices.empty() && !opts.runtime_stop_choice)
    throw std::invalid_argument("--fault-choices: no choice given (try 'all')");
  // A flush must be able to take no fault: a list without `none` would
  // leave out the runs in which it succeeds.
  if (!opts.fault_choices.empty() &&
      std::find(opts.fault_choices.begin(), opts.fault_choices.end(), fault::none) == opts.fault_choices.end())
    opts.fault_choices.insert(opts.fault_choices.begin(), fault::none);
}

std::vector<fault> all_fault_choices() {
  return {fault::none,           fault::stream_error,   fault::stream_throw, fault::stream_stall,
          fault::finalize_error, fault::finalize_throw, fault::abandon};
}

std::string exploration::summary() const {
  const auto& st = result.stats;
  if (failing) {
    return "violation after " + std::to_string(st.schedules + 1) + " executions: " + failing->describe();
  }
  if (!st.complete) {
    return "stopped after " + std::to_string(st.schedules) + " executions (limit reached): no violation so far";
  }
  const bool unbounded = preemption_bound == std::numeric_limits<std::uint32_t>::max();
  std::string scope;
  if (por == sim::por_mode::dpor) {
    // The bound prunes only branches whose every execution exceeds it, so
    // executions past it still run (dpor.hpp, "PREEMPTION BOUND").
    const std::string bound = "dpor, bound " + std::to_string(preemption_bound);
    const std::string past = std::to_string(st.over_bound);
    scope = unbounded           ? "dpor, no bound"
            : bound_counts_only ? bound + " counted only: " + past + " of them exceed it"
                                : bound + " applied soundly: " + past + " of them ran past it";
  } else {
    scope = std::string(por == sim::por_mode::none ? "no reduction" : "sleep sets") + ", " +
            (unbounded ? std::string("no bound") : "bound " + std::to_string(preemption_bound) + " applied");
  }
  const std::string over =
      combinations > 1 ? " of " + std::to_string(combinations) + " fault combinations" : std::string();
  return "complete: no violation in all " + std::to_string(st.schedules) + " executions" + over + " (" + scope + ")";
}

}  // namespace flushcoord::properties

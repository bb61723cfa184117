// properties/src/explore.cpp — the fixed scenario of `flushsim explore` and
// its exhaustive exploration; see explore.hpp.
#include "flushcoord/properties/explore.hpp"

#include <sstream>
#include <stdexcept>

#include "flushcoord/properties/mutant_switch.hpp"
#include "flushcoord/sim/replay_scheduler.hpp"

namespace flushcoord::properties {

namespace {

constexpr std::int64_t us = 1'000;
constexpr std::int64_t ms = 1'000'000;

bool needs_timeout(fault f) { return f == fault::stream_stall || f == fault::stream_hang; }

}  // namespace

scenario explore_scenario(const explore_options& opts) {
  scenario s;
  s.max_pending = opts.max_pending;
  for (std::size_t i = 0; i < opts.flushes; ++i) {
    flush_plan p;
    p.stream_ns = i % 2 == 0 ? 1 * ms : 500 * us;
    if (!opts.faults.empty()) p.what = opts.faults[i % opts.faults.size()];
    if (needs_timeout(p.what)) s.stream_timeout_ns = 2 * ms;
    s.flushes.push_back(p);
  }
  for (std::size_t k = 0; k < opts.drains; ++k)
    s.drains.push_back(timed_call{250 * us + static_cast<std::int64_t>(k) * 100 * us, 1500 * us});
  for (std::size_t k = 0; k < opts.shutdowns; ++k)
    s.shutdowns.push_back(timed_call{750 * us + static_cast<std::int64_t>(k) * 100 * us, 0});
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
  out.sc = explore_scenario(opts);
  out.preemption_bound = opts.preemption_bound;
  sim::config cfg;
  cfg.seed = 0;  // the scenario is fixed; the schedule is the explorer's
  cfg.record_events = opts.record_events;
  out.por = opts.por;
  sim::explore_limits lim;
  lim.preemption_bound = opts.preemption_bound;
  lim.por = opts.por;
  lim.on_execution = opts.on_execution;
  lim.bound_sound = opts.bound_sound;
  lim.schedules_max = opts.schedules_max;
  out.result = sim::explore(
      cfg, [&](sim::simulator& s) { return run_scenario(out.sc, s).run; }, lim);
  if (out.result.violation) {
    sim::replay_scheduler replay(out.result.decisions);
    cfg.record_events = false;
    sim::simulator s(cfg, replay);
    out.failing = run_scenario(out.sc, s);
  }
  return out;
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
    scope = unbounded ? "dpor, no bound"
                      : "dpor, bound " + std::to_string(preemption_bound) + " not applied: " +
                            std::to_string(st.over_bound) + " of them exceed it";
  } else {
    scope = std::string(por == sim::por_mode::none ? "no reduction" : "sleep sets") + ", " +
            (unbounded ? std::string("no bound") : "bound " + std::to_string(preemption_bound) + " applied");
  }
  return "complete: no violation in all " + std::to_string(st.schedules) + " executions (" + scope + ")";
}

}  // namespace flushcoord::properties

// Search against the mutant catalogue (built only with
// FLUSHCOORD_ENABLE_MUTANTS): explore finds a reachable mutant and reports
// a schedule that replays; PCT finds an ordering bug and states its bound;
// a mutant's failing trace shrinks and still fails the same property.
#include <doctest/doctest.h>

#include <algorithm>
#include <cstdio>
#include <iterator>
#include <limits>

#include "flushcoord/properties/explore.hpp"
#include "flushcoord/properties/mutant_switch.hpp"
#include "flushcoord/properties/mutants.hpp"
#include "flushcoord/properties/shrink.hpp"
#include "flushcoord/sim/pct.hpp"
#include "flushcoord/sim/replay_scheduler.hpp"

namespace fp = flushcoord::properties;
namespace fs = flushcoord::sim;

TEST_CASE("explore finds a reachable mutant and its schedule replays") {
  fp::explore_options o;
  o.flushes = 2;
  o.drains = 0;
  o.shutdowns = 0;
  o.mutant = "finalize_in_arrival_order";
  const fp::exploration e = fp::explore_schedules(o);
  std::printf("explore %s: %s\n", o.mutant.c_str(), e.summary().c_str());
  REQUIRE(e.failing.has_value());
  CHECK(e.failing->violated.has_value());
  CHECK(e.summary().rfind("violation after", 0) == 0);
  CHECK(e.result.decisions.size() > 0);
  // The same schedule, replayed exactly, fails the same way.
  const fp::mutant_scope on(o.mutant);
  fs::replay_scheduler replay(e.result.decisions);
  fs::simulator sim(fs::config{}, replay);
  const auto again = fp::run_scenario(e.sc, sim);
  CHECK(again.describe() == e.failing->describe());
}

TEST_CASE("dpor finds every mutant the sleep-set explorer found, and the schedule replays") {
  // The four mutants the preemption-bounded sleep-set explorer finds in its
  // fixed scenario (docs/strategy-comparison.md); DPOR must find each too.
  for (const char* name : {"finalize_in_arrival_order", "permit_released_at_stream_end",
                           "drain_checks_before_waiting", "shutdown_keeps_permit_waiters"}) {
    fp::explore_options o;  // the fixed scenario at its defaults
    o.mutant = name;
    o.schedules_max = 200'000;
    o.por = fs::por_mode::sleep_sets;
    const fp::exploration old = fp::explore_schedules(o);
    o.por = fs::por_mode::dpor;
    const fp::exploration e = fp::explore_schedules(o);
    std::printf("%s: sleep sets %s; dpor %s\n", name, old.summary().c_str(), e.summary().c_str());
    CHECK_MESSAGE(old.failing.has_value(), name);
    REQUIRE_MESSAGE(e.failing.has_value(), name);
    CHECK(e.failing->violated.has_value());
    const fp::mutant_scope on(name);
    fs::replay_scheduler replay(e.result.decisions);
    fs::simulator sim(fs::config{}, replay);
    CHECK(fp::run_scenario(e.sc, sim).describe() == e.failing->describe());
  }
}

TEST_CASE("pct finds an ordering mutant and reports its guarantee") {
  const fp::mutant_scope on("finalize_in_arrival_order");
  fs::pct p(fs::pct_options{2, 2000});
  std::optional<std::uint64_t> found;
  for (std::uint64_t seed = 0; seed < 2000 && !found; ++seed) {
    fs::config cfg;
    cfg.seed = seed;
    fs::simulator sim(cfg, p);
    const auto out = fp::run_scenario(fp::generate(seed), sim);
    if (!out.ok()) {
      found = seed;
      const double g = fs::pct::bound(2, out.run.tasks, out.run.steps);
      std::printf("pct d=2 found it at seed %llu (n=%zu, k=%llu, guarantee %.3g)\n",
                  static_cast<unsigned long long>(seed), out.run.tasks,
                  static_cast<unsigned long long>(out.run.steps), g);
      CHECK(g > 0.0);
      CHECK(out.violated.has_value());
    }
  }
  CHECK(found.has_value());
}

TEST_CASE("a mutant's failing schedule shrinks and still fails the same property") {
  for (const char* name : {"finalize_in_arrival_order", "ticket_dropped_on_failure", "shutdown_skips_join"}) {
    const fp::mutant_scope on(name);
    // The first failing seed of the standard campaign.
    std::optional<std::uint64_t> seed;
    fs::run_result failed;
    std::vector<fs::decision> decisions;
    for (std::uint64_t s = 0; s < 2000 && !seed; ++s) {
      fs::config cfg;
      cfg.seed = s;
      fs::simulator sim(cfg);
      const auto out = fp::run_scenario(fp::generate(s), sim);
      if (!out.ok()) {
        seed = s;
        failed = out.run;
        const auto d = sim.decisions().decisions();
        decisions.assign(d.begin(), d.end());
      }
    }
    REQUIRE(seed.has_value());
    const fp::scenario sc = fp::generate(*seed);
    const auto target = fp::signature_of(*failed.failed);
    fp::shrink_options opts;
#if defined(__SANITIZE_ADDRESS__)
    opts.runs_max = 600;
#else
    opts.runs_max = 3000;
#endif
    const fp::shrink_result r = fp::shrink(sc, *seed, decisions, target, opts);
    std::printf("shrink %s (seed %llu, %s): steps %llu -> %llu, preemptions %zu -> %zu, decisions %zu -> %zu, "
                "flushes %zu -> %zu, %zu runs\n",
                name, static_cast<unsigned long long>(*seed), target.describe().c_str(),
                static_cast<unsigned long long>(r.before.steps), static_cast<unsigned long long>(r.after.steps),
                r.before.preemptions, r.after.preemptions, r.before.decisions, r.after.decisions, r.before.flushes,
                r.after.flushes, r.runs);
    CHECK(r.after.steps <= r.before.steps);
    CHECK(r.after.flushes <= r.before.flushes);
    REQUIRE(r.outcome.run.failed.has_value());
    CHECK(fp::signature_of(*r.outcome.run.failed) == target);
    // Exact replay, twice: same hashes.
    fs::replay_scheduler replay(r.decisions);
    fs::config cfg;
    cfg.seed = *seed;
    fs::simulator sim(cfg, replay);
    const auto again = fp::run_scenario(r.sc, sim);
    CHECK(again.run.decision_hash == r.outcome.run.decision_hash);
    CHECK(again.run.event_hash == r.outcome.run.event_hash);
    CHECK(again.describe() == r.outcome.describe());
  }
}

TEST_CASE("liveness: a wedging mutant is reported as a liveness violation") {
  // A throwing stream that never reaches the finalizer wedges every later
  // flush: in liveness mode the watchdog reports it, not a deadlock.
  const fp::mutant_scope on("no_result_on_throw");
  fp::scenario s;
  s.max_pending = 2;
  s.flushes = {{.stream_ns = 1'000'000, .what = fp::fault::stream_throw},
               {.stream_ns = 500'000, .what = fp::fault::none}};
  s.liveness_bound_ns = 5'000'000;
  fs::simulator sim(fs::config{});
  const auto out = fp::run_scenario(s, sim);
  REQUIRE(out.run.failed.has_value());
  CHECK(out.run.failed->what == fs::failure_class::liveness);
  std::printf("liveness mutant: %s\n", out.describe().c_str());
}

namespace {

/// Where explore finds each own mutant: a preset and, for the `faults`
/// preset, the one fault choice that matters (the full preset finds them
/// too, after 574,561 to 1,149,121 executions: too slow for a test).
struct mutant_preset {
  const char* mutant;
  const char* preset;
  const char* narrowed_choices;  // nullptr: the preset as it is
};

constexpr mutant_preset mutant_presets[] = {
    {"finalize_in_arrival_order", "fixed", nullptr},
    {"permit_released_at_stream_end", "fixed", nullptr},
    {"drain_checks_before_waiting", "fixed", nullptr},
    {"drain_measures_total_time", "drain-progress", nullptr},
    {"no_result_on_throw", "faults", "stream_throw"},
    {"no_failure_on_abandon", "odd-faults", nullptr},
    {"no_failure_on_never_ran", "runtime-stop", nullptr},
    {"timeout_not_enforced", "timeouts", nullptr},
    {"late_result_finalized", "timeouts", nullptr},
    {"ticket_dropped_on_failure", "faults", "stream_error"},
    {"pending_not_decremented_on_failure", "faults", "stream_error"},
    {"shutdown_skips_join", "timeouts", nullptr},
    {"shutdown_keeps_permit_waiters", "fixed", nullptr},
    {"shutdown_leaves_orphans", "close-races", nullptr},
    {"submit_after_shutdown_dropped", "close-races", nullptr},
    {"failure_count_not_updated", "close-races", nullptr},
    {"close_blocks", "close-in-flight", nullptr},
    {"every_flush_times_out", "fixed", nullptr},
    {"timeout_from_wrong_origin", "timeouts", nullptr},
    {"deadline_only_in_finalizer", "slow-finalize", nullptr},
    {"non_std_throw_mislabeled", "odd-faults", nullptr},
    {"failure_throw_replaces_error", "tickets", nullptr},
    {"timed_acquire_ignores_close", "timed-close", nullptr},
    {"poll_misses_failures", "tickets", nullptr},
    {"async_waiter_starved", "async-permits", nullptr},
    {"close_strands_async_waiters", "async-close", nullptr},
    {"async_cancel_ignored", "async-cancel", nullptr},
    {"engine_error_as_stream_failed", "odd-faults", nullptr},
};

}  // namespace

TEST_CASE("every own mutant is found by explore in some preset, and its schedule replays") {
  // The table covers the whole catalogue: a new mutant needs a preset.
  CHECK(std::size(mutant_presets) == fp::mutants.size());
  for (const fp::mutant_info& m : fp::mutants) {
    const auto* row = std::find_if(std::begin(mutant_presets), std::end(mutant_presets),
                                   [&](const mutant_preset& r) { return r.mutant == m.name; });
    CHECK_MESSAGE(row != std::end(mutant_presets), "no preset finds ", m.name);
  }
  for (const mutant_preset& row : mutant_presets) {
    CAPTURE(row.mutant);
    CAPTURE(row.preset);
    const fp::explore_preset* preset = fp::find_explore_preset(row.preset);
    REQUIRE(preset != nullptr);
    fp::explore_options o;
    preset->apply(o);
    if (row.narrowed_choices != nullptr) fp::parse_fault_choices(row.narrowed_choices, o);
    o.preemption_bound = std::numeric_limits<std::uint32_t>::max();
    o.mutant = row.mutant;
    o.schedules_max = 50'000;
    const fp::exploration e = fp::explore_schedules(o);
    std::printf("%s in %s: %s\n", row.mutant, row.preset, e.summary().c_str());
    REQUIRE(e.failing.has_value());
    const fp::mutant_scope on(row.mutant);
    fs::replay_scheduler replay(e.result.decisions);
    fs::simulator sim(fs::config{}, replay);
    CHECK(fp::run_scenario(e.sc, sim).describe() == e.failing->describe());
  }
}

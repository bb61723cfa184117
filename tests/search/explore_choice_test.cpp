// explore's fault choices and presets (properties/explore.hpp): the
// combinations are enumerated in the documented order, each one's schedules
// are explored exactly as a search of that combination alone would, bad
// choice lists are refused, and the presets' counts are pinned so that a
// change to them is deliberate.
#include <doctest/doctest.h>

#include <limits>
#include <utility>
#include <stdexcept>

#include "flushcoord/properties/explore.hpp"

namespace fp = flushcoord::properties;

namespace {

constexpr std::uint32_t no_preemption_bound = std::numeric_limits<std::uint32_t>::max();

fp::explore_options one_flush_with_choices(const char* choices) {
  fp::explore_options o;
  o.flushes = 1;
  o.max_pending = 1;
  o.drains = 0;
  o.shutdowns = 0;
  o.preemption_bound = no_preemption_bound;
  fp::parse_fault_choices(choices, o);
  return o;
}

}  // namespace

TEST_CASE("fault combinations: flush 0 varies slowest, the runtime stop fastest") {
  fp::explore_options o;
  o.flushes = 2;
  fp::parse_fault_choices("stream_error,abandon,runtime_stop", o);
  // `none` is always a choice, put first.
  REQUIRE(o.fault_choices == std::vector{fp::fault::none, fp::fault::stream_error, fp::fault::abandon});
  REQUIRE(fp::fault_combinations(o) == 3 * 3 * 2);
  const fp::scenario first = fp::with_fault_choice(o, 0);
  CHECK(first.flushes[0].what == fp::fault::none);
  CHECK(first.flushes[1].what == fp::fault::none);
  CHECK_FALSE(first.runtime_stop_at_ns.has_value());
  CHECK(fp::with_fault_choice(o, 1).runtime_stop_at_ns.has_value());
  CHECK(fp::with_fault_choice(o, 2).flushes[1].what == fp::fault::stream_error);
  CHECK(fp::with_fault_choice(o, 6).flushes[0].what == fp::fault::stream_error);
  const fp::scenario last = fp::with_fault_choice(o, 17);
  CHECK(last.flushes[0].what == fp::fault::abandon);
  CHECK(last.flushes[1].what == fp::fault::abandon);
  CHECK(last.runtime_stop_at_ns.has_value());
  // Everything but the faults is the fixed scenario's.
  fp::scenario plain = fp::explore_scenario(o);
  plain.flushes[0].what = plain.flushes[1].what = fp::fault::abandon;
  plain.runtime_stop_at_ns = last.runtime_stop_at_ns;
  CHECK(last == plain);
}

TEST_CASE("'all' is every fault site of the issue, and the runtime stop") {
  fp::explore_options o;
  fp::parse_fault_choices("all", o);
  CHECK(o.fault_choices == fp::all_fault_choices());
  CHECK(o.fault_choices.size() == 7);
  CHECK(o.runtime_stop_choice);
  // A stall among the choices gives every combination the same timeout.
  CHECK(fp::with_fault_choice(o, 0).stream_timeout_ns.has_value());
}

TEST_CASE("bad fault choices are refused with what is wrong") {
  fp::explore_options o;
  CHECK_THROWS_WITH_AS(fp::parse_fault_choices("stream_error,bogus", o), "--fault-choices: unknown fault 'bogus'",
                       std::invalid_argument);
  CHECK_THROWS_WITH_AS(fp::parse_fault_choices("abandon,abandon", o), "--fault-choices: 'abandon' is listed twice",
                       std::invalid_argument);
  CHECK_THROWS_AS(fp::parse_fault_choices("", o), std::invalid_argument);
  o.flushes = 16;
  fp::parse_fault_choices("all", o);
  CHECK_THROWS_AS(fp::fault_combinations(o), std::invalid_argument);
}

TEST_CASE("each combination is explored as a search of it alone would explore it") {
  const fp::explore_options o = one_flush_with_choices("all");
  const fp::exploration all = fp::explore_schedules(o);
  REQUIRE(all.result.stats.complete);
  CHECK_FALSE(all.failing.has_value());
  CHECK(all.combinations == 14);
  std::uint64_t sum = 0;
  for (std::uint64_t k = 0; k < fp::fault_combinations(o); ++k) {
    fp::explore_options alone = o;
    alone.fault_choices.clear();
    alone.runtime_stop_choice = false;
    alone.given = fp::with_fault_choice(o, k);
    const fp::exploration e = fp::explore_schedules(alone);
    CHECK(e.result.stats.complete);
    CHECK(e.combinations == 1);
    sum += e.result.stats.schedules;
  }
  CHECK(all.result.stats.schedules == sum);
  MESSAGE(all.summary());
  // Pinned: a change to the count must be deliberate (docs/model-checking.md).
  CHECK(all.summary() == "complete: no violation in all 3520 executions of 14 fault combinations (dpor, no bound)");
}

TEST_CASE("--max-schedules stops across combinations") {
  fp::explore_options o = one_flush_with_choices("all");
  o.schedules_max = 50;
  const fp::exploration e = fp::explore_schedules(o);
  CHECK_FALSE(e.result.stats.complete);
  CHECK(e.result.stats.schedules == 50);
  CHECK(e.combinations < 14);
}

TEST_CASE("every preset is found by name and shapes a scenario") {
  REQUIRE(fp::explore_presets().size() >= 5);
  for (const fp::explore_preset& p : fp::explore_presets()) {
    CAPTURE(p.name);
    CHECK(fp::find_explore_preset(p.name) == &p);
    CHECK_FALSE(p.what.empty());
    fp::explore_options o;
    p.apply(o);
    CHECK_FALSE(fp::explore_scenario(o).flushes.empty());
    CHECK(fp::fault_combinations(o) >= 1);
  }
  CHECK(fp::find_explore_preset("nope") == nullptr);
}

TEST_CASE("the execution counts of the cheaper presets are pinned") {
  // docs/model-checking.md gives every preset's count; these are the ones
  // cheap enough for every build (asan-ubsan included).
  const std::pair<const char*, const char*> pinned[] = {
      {"odd-faults", "complete: no violation in all 292 executions of 8 fault combinations (dpor, no bound)"},
      {"runtime-stop", "complete: no violation in all 840 executions of 2 fault combinations (dpor, no bound)"},
      {"timed-close", "complete: no violation in all 288 executions (dpor, no bound)"},
      {"close-in-flight", "complete: no violation in all 168 executions (dpor, no bound)"},
      {"async-cancel", "complete: no violation in all 1016 executions (dpor, no bound)"},
      {"close-races", "complete: no violation in all 3230 executions (dpor, no bound)"},
  };
  for (const auto& [name, summary] : pinned) {
    CAPTURE(name);
    fp::explore_options o;
    fp::find_explore_preset(name)->apply(o);
    o.preemption_bound = no_preemption_bound;
    CHECK(fp::explore_schedules(o).summary() == summary);
  }
}

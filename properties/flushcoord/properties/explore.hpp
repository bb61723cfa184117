// flushcoord/properties/explore.hpp — exhaustive exploration of small
// scenarios (sim/explorer.hpp does the search).
//
// THE FIXED SCENARIO (chosen so the interesting races are all in reach):
//   * flush i streams for 1 ms (i even) or 0.5 ms (i odd), so flush 1
//     finishes before flush 0: completion is out of order and the reorder
//     buffer matters; with max_pending 2 the writer blocks for a permit on
//     flush 2 until flushes 0 and 1 are finalized.
//   * writer on the explicit path (blocking acquire, or acquire_permit_for
//     with --acquire-for), no gap; with --writers W, flush i is writer
//     (i mod W)'s;
//   * drain k at 0.25 ms + k * 0.1 ms, stall timeout 1.5 ms: it waits
//     while flushes are pending and sees progress;
//   * shutdown k at 0.75 ms + k * 0.1 ms: flush 0's stream is still
//     running and the writer waits for a permit, so shutdown must wake the
//     waiter, join the stream and resolve what cannot be finalized;
//   * close calls at the --close-at instants (0 races the first rotates
//     and submits);
//   * faults: none, unless --faults names one per flush (cycled); a stall
//     or hang fault sets stream_timeout to 2 ms.
// Virtual time fixes when things happen, so the only nondeterminism left
// is the interleaving at equal instants — which is what is explored.
//
// FAULTS AS CHOICES (--fault-choices): each flush's fault is a choice among
// the listed ones, and `runtime_stop` adds the choice of the runtime
// stopping (dropping unstarted streams) at 0.5 ms. explore enumerates every
// combination, in order, and explores the schedules of each: the choices
// are made at the root of the search tree instead of at their sites. That
// is sound (a fault's value cannot influence anything before its site) and
// complete; its cost is redundancy: two combinations that differ only in
// the fault of a flush that is never streamed explore equivalent runs
// twice.
//
// A GIVEN SCENARIO (--scenario FILE: a scenario text, a trace or a corpus
// entry, whose scenario is taken): any small scenario of the whole-API workload,
// e.g. a shrunk campaign failure, explored instead of the fixed one.
//
// PRESETS (--preset NAME): named options for the configurations that
// matter; `explore_presets()` lists them, with what each is for.
#pragma once

#include <cstdint>
#include <functional>
#include <limits>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "flushcoord/properties/run_scenario.hpp"
#include "flushcoord/properties/scenario.hpp"
#include "flushcoord/sim/explorer.hpp"

namespace flushcoord::properties {

/// The options of `flushsim explore`, one field per flag.
struct explore_options {
  std::size_t flushes = 3;            // --flushes N
  std::size_t max_pending = 2;        // --max-pending P
  std::size_t drains = 1;             // --drains D
  std::size_t shutdowns = 1;          // --shutdowns S
  std::uint32_t preemption_bound = 2; // --preemption-bound B (max(): none)
  std::vector<fault> faults{};        // --faults a,b,... (per flush, cycled)
  std::uint32_t writers = 1;          // --writers W
  std::int64_t acquire_for_ns = 0;    // --acquire-for NS (> 0: timed acquire)
  std::vector<std::int64_t> close_at_ns{};  // --close-at NS (repeatable)
  /// --fault-choices a,b,...|all: every flush's fault is chosen among these
  /// (enumerated; see the file comment). Empty: no fault choices.
  std::vector<fault> fault_choices{};
  bool runtime_stop_choice = false;   // `runtime_stop` in --fault-choices
  /// --scenario FILE: explore this scenario instead of the fixed one (the
  /// fields above that shape the fixed scenario are then ignored, except
  /// the fault choices, which replace each flush's fault).
  std::optional<scenario> given{};
  /// The engine: the model engine, or a user's (flushcoord::testing::run<S>,
  /// when explore runs in a testing::main binary).
  scenario_outcome (*run)(const scenario&, sim::simulator&) = &run_scenario;
  /// Whether that engine injects finalize faults (testing::setup's
  /// finalize_faults). Off: finalize_error and finalize_throw are dropped
  /// from the choices and become `none` in the scenario, and no
  /// finalize_failure throws, as the generator does for such an engine.
  bool finalize_faults = true;
  std::string mutant{};               // --mutant NAME (mutant builds only)
  sim::por_mode por = sim::por_mode::dpor;  // --por dpor|sleep-sets|none
  bool bound_sound = false;           // --sound-bound (explorer.hpp; sleep-sets only)
  bool count_classes = false;         // --count-classes (sim::explore_limits::count_classes)
  bool bound_counts_only = false;     // --bound-counts-only (sim::explore_limits; dpor only)
  std::uint64_t schedules_max = 0;    // --max-schedules N (0: no limit)
  /// Called after every complete run (explorer.hpp, explore_limits).
  std::function<void(const sim::simulator&, const sim::run_result&)> on_execution{};
  bool record_events = false;         // runs record their events (for on_execution)
};

/// The fixed scenario described above, or opts.given; no fault choices applied.
scenario explore_scenario(const explore_options& opts);

/// How many combinations of fault choices explore enumerates (1 without).
/// Throws std::invalid_argument when that is more than 1,000,000.
std::uint64_t fault_combinations(const explore_options& opts);

/// explore_scenario(opts) with combination `k` of the fault choices
/// (0 <= k < fault_combinations(opts)): flush 0's choice varies slowest.
scenario with_fault_choice(const explore_options& opts, std::uint64_t k);

struct exploration {
  scenario sc;  ///< the failing combination's scenario, else combination 0's
  std::uint64_t combinations = 1;  ///< fault combinations explored (all of them when complete)
  std::uint32_t preemption_bound = 2;
  sim::explore_result result;
  /// The failing run replayed once more (exactly, by replay_scheduler), with
  /// the property that failed; empty when no violation was found.
  std::optional<scenario_outcome> failing;
  sim::por_mode por = sim::por_mode::dpor;
  bool bound_counts_only = false;  ///< explore_options::bound_counts_only
  bool explored_with_dpor() const { return por == sim::por_mode::dpor; }
  /// "complete: no violation in all N executions (...)" or the failure.
  std::string summary() const;
};

/// Explores every schedule of every fault combination of
/// explore_scenario(opts) within the bound, stopping at the first violation.
/// Throws std::invalid_argument for a mutant this build cannot switch on.
exploration explore_schedules(const explore_options& opts);

/// Parses "a,b,c" into faults; throws std::invalid_argument naming a bad one.
std::vector<fault> parse_fault_list(const std::string& text);

/// Parses --fault-choices into opts: "all", or faults and `runtime_stop`.
/// Throws std::invalid_argument naming a bad word.
void parse_fault_choices(const std::string& text, explore_options& opts);

/// The fault choices "all" stands for: a stream's outcome (ok, error,
/// throw, stall past its timeout), a finalize failing (error, throw), a
/// rotated flush abandoned; plus the runtime stopping early.
std::vector<fault> all_fault_choices();

/// A named configuration: `flushsim explore --preset NAME`.
struct explore_preset {
  std::string_view name;
  std::string_view what;  ///< one line: what it covers
  /// Fills the scenario-shaping fields of opts (por, bound, mutant and
  /// limits are left alone).
  void (*apply)(explore_options& opts);
};

/// Every preset, in the order `--preset list` prints them.
std::span<const explore_preset> explore_presets();

/// The preset called `name`, if there is one.
const explore_preset* find_explore_preset(std::string_view name);

}  // namespace flushcoord::properties

// flushcoord/properties/explore.hpp — exhaustive exploration of one small,
// fixed scenario (sim/explorer.hpp does the search).
//
// THE FIXED SCENARIO (chosen so the interesting races are all in reach):
//   * flush i streams for 1 ms (i even) or 0.5 ms (i odd), so flush 1
//     finishes before flush 0: completion is out of order and the reorder
//     buffer matters; with max_pending 2 the writer blocks for a permit on
//     flush 2 until flushes 0 and 1 are finalized.
//   * writer on the explicit path (blocking acquire), no gap;
//   * drain k at 0.25 ms + k * 0.1 ms, stall timeout 1.5 ms: it waits
//     while flushes are pending and sees progress;
//   * shutdown k at 0.75 ms + k * 0.1 ms: flush 0's stream is still
//     running and the writer waits for a permit, so shutdown must wake the
//     waiter, join the stream and resolve what cannot be finalized;
//   * faults: none, unless --faults names one per flush (cycled); a stall
//     or hang fault sets stream_timeout to 2 ms.
// Virtual time fixes when things happen, so the only nondeterminism left
// is the interleaving at equal instants — which is what is explored.
#pragma once

#include <cstdint>
#include <functional>
#include <limits>
#include <optional>
#include <string>
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
  std::string mutant{};               // --mutant NAME (mutant builds only)
  sim::por_mode por = sim::por_mode::dpor;  // --por dpor|sleep-sets|none
  bool bound_sound = false;           // --sound-bound (explorer.hpp; sleep-sets only)
  std::uint64_t schedules_max = 0;    // --max-schedules N (0: no limit)
  /// Called after every complete run (explorer.hpp, explore_limits).
  std::function<void(const sim::simulator&, const sim::run_result&)> on_execution{};
  bool record_events = false;         // runs record their events (for on_execution)
};

/// The fixed scenario described above.
scenario explore_scenario(const explore_options& opts);

struct exploration {
  scenario sc;
  std::uint32_t preemption_bound = 2;
  sim::explore_result result;
  /// The failing run replayed once more (exactly, by replay_scheduler), with
  /// the property that failed; empty when no violation was found.
  std::optional<scenario_outcome> failing;
  sim::por_mode por = sim::por_mode::dpor;
  bool explored_with_dpor() const { return por == sim::por_mode::dpor; }
  /// "complete: no violation in all N executions (...)" or the failure.
  std::string summary() const;
};

/// Explores every schedule of explore_scenario(opts) within the bound.
/// Throws std::invalid_argument for a mutant this build cannot switch on.
exploration explore_schedules(const explore_options& opts);

/// Parses "a,b,c" into faults; throws std::invalid_argument naming a bad one.
std::vector<fault> parse_fault_list(const std::string& text);

}  // namespace flushcoord::properties

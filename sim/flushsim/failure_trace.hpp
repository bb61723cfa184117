// sim/flushsim/failure_trace.hpp — turning a failing seed into a trace file.
//
// The campaign runs without recording events (the event hash is enough to
// compare runs). When a seed fails, it is run once more, alone, with
// config::record_events on; that run's decisions, hashes and events become
// the trace. Recording must not change the run: if its hashes differ from
// the campaign's, that is reported as nondeterminism.
#pragma once

#include <cstdint>
#include <filesystem>
#include <optional>
#include <string>

#include "flushcoord/properties/run_scenario.hpp"
#include "flushcoord/properties/scenario.hpp"
#include "flushcoord/sim/simulator.hpp"
#include "flushcoord/sim/trace.hpp"

namespace flushsim {

/// Events kept in one trace file. A run within the default step budget of
/// ten million points could emit more; the file then keeps the last ones
/// (those nearest the failure) and says how many it left out.
inline constexpr std::size_t trace_events_max = 1'000'000;

/// What the trace should say about where the run came from.
struct trace_origin {
  std::optional<std::string> mutant;
  std::string rerun;  // the command that regenerates the run from its seed
  std::string strategy = "random";  // the sim::make_strategy name that scheduled it
};

/// The run of `sc` under `origin.strategy` seeded with `seed`, recorded, as a trace;
/// `outcome` receives the recorded run's outcome.
flushcoord::sim::trace record_trace(const flushcoord::properties::scenario& sc, std::uint64_t seed,
                                    const trace_origin& origin,
                                    flushcoord::properties::scenario_outcome& outcome);

/// Copies the recorded run's log into `t`: its events (the last
/// trace_events_max of them) and the names of its tasks, mutexes and
/// condvars. Requires: `sim` ran with config::record_events.
void copy_run_log(const flushcoord::sim::simulator& sim, flushcoord::sim::trace& t);

/// Writes `t` as <dir>/<stem>.trace (creating dir) and returns the path.
/// Throws usage_error if the directory or file cannot be written.
std::filesystem::path write_trace_file(const std::filesystem::path& dir, const std::string& stem,
                                       const flushcoord::sim::trace& t);

/// The campaign's name for a failing seed's trace: "seed-<N>-<class>".
std::string seed_trace_stem(std::uint64_t seed, flushcoord::sim::failure_class what);

/// "flushsim replay <path>" (or flushsim_mutants), ready to paste.
std::string replay_command(const std::filesystem::path& path);

}  // namespace flushsim

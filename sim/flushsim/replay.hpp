// sim/flushsim/replay.hpp — `flushsim replay FILE`.
//
// Re-runs a trace's scenario with a replay_scheduler over its recorded
// decisions (and its mutant, which only flushsim_mutants has) and checks
// that the run is the recorded one: the same failure class and message,
// the same decision hash and event hash.
#pragma once

#include <cstdio>
#include <filesystem>
#include <optional>
#include <string>

#include "flushcoord/properties/run_scenario.hpp"
#include "flushcoord/sim/trace.hpp"

namespace flushsim {

struct replay_outcome {
  flushcoord::properties::scenario_outcome run;
  bool exact = false;  // same failure, same hashes
};

/// Replays `t` in this process (selecting its mutant). Throws usage_error
/// for a trace this binary cannot replay (a mutant trace in flushsim, an
/// unknown mutant, a bad scenario section).
/// With `break_at_step`, the run stops for a debugger just before that
/// step (flushcoord/sim/debug_break.hpp), saying so on stderr.
replay_outcome replay_trace(const flushcoord::sim::trace& t, const std::string& where,
                            std::uint64_t break_at_step = flushcoord::sim::no_break_step);

/// The command: prints the verdict to `out` and returns the exit code:
/// 1 if the recorded failure reproduced exactly ("replayed exactly: ..."),
/// 0 if a recorded clean run replayed clean, 3 if the run diverged.
/// `break_at_step` as for replay_trace; a step past the trace's last is
/// bad input (usage_error).
int replay_main(const std::filesystem::path& file, std::FILE* out,
                std::optional<std::uint64_t> break_at_step = std::nullopt);

/// "class: message" of a failure, as the verdicts print it.
std::string describe_failure(const flushcoord::sim::failure& f);

}  // namespace flushsim

// sim/flushsim/cli.hpp — flushsim's command line (CLI11).
//
//   flushsim run --seeds A..B [--strategy random] [--jobs N] [--shard K/N]
//                [--time-budget SECONDS] [--json FILE] [--out DIR]
//                [--check-determinism] [--flushes-max N] [--max-pending-max N]
//                [--no-swarm] [--stop-on-first] [--coverage]  (+ --mutant NAME)
//   flushsim replay FILE
//   flushsim show FILE [--chrome-trace OUT.json]
//   flushsim corpus DIR|FILE... [--out DIR]
//   flushsim_mutants mutants                             (the test build only)
//
// The spelling is fixed: scripts/sim, ctest and CI call it. Every parse
// error, including a malformed seed range or shard, exits 2.
#pragma once

namespace flushsim {

/// Parses the command line, runs the command, returns the exit status
/// (exit_codes.hpp). Never throws.
int cli_main(int argc, char** argv);

}  // namespace flushsim

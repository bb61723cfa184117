// sim/flushsim/exit_codes.hpp — what flushsim's exit status means.
//
// Scripts and CI branch on these, so they are fixed (see `flushsim --help`
// and docs/trace-format.md):
//   0  clean: no seed failed / every corpus entry passed
//   1  a failure was found (property, deadlock, budget, nondeterminism...);
//      for `replay`, the recorded failure reproduced exactly
//   2  bad usage or bad input: arguments, a trace or corpus file, I/O
//   3  `replay` diverged: the trace was written by a different build
//   4  internal error of flushsim itself (a bug: please report it)
#pragma once

#include <stdexcept>

namespace flushsim {

inline constexpr int exit_clean = 0;
inline constexpr int exit_failure_found = 1;
inline constexpr int exit_bad_input = 2;
inline constexpr int exit_replay_diverged = 3;
inline constexpr int exit_internal_error = 4;

/// Bad arguments or unusable input; main() prints what() and exits 2.
class usage_error : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

}  // namespace flushsim

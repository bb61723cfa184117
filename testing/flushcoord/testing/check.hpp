// flushcoord/testing/check.hpp — a campaign over a user's engine, from a unit test.
//
//   TEST_CASE("my engine under the simulator") {
//     const auto r = flushcoord::testing::check<my_setup>({.seeds = {0, 999}, .tool = "./my_sim"});
//     REQUIRE_MESSAGE(r.ok, r.message);             // doctest
//     // ASSERT_TRUE(r.ok) << r.message;           // GoogleTest
//   }
//
// Runs `flushsim run` for setup S in this process: every seed of the range
// draws a scenario and a schedule, runs S's engine under the coordinator,
// and checks every property and S's invariants. It stops at the lowest
// failing seed, writes its trace into `out`, and says in `message` what
// failed and the command that replays it (`<tool> replay <trace>`).
#pragma once

#include <cstdint>
#include <filesystem>
#include <optional>
#include <string>

#include "flushcoord/properties/shrink.hpp"
#include "flushcoord/testing/run.hpp"
#include "flushcoord/testing/setup.hpp"

namespace flushcoord::testing {

struct seed_range {
  std::uint64_t first = 0;
  std::uint64_t last = 999;  ///< inclusive
};

struct check_options {
  seed_range seeds{};
  unsigned jobs = 1;                 ///< threads; the result does not depend on it
  std::string strategy = "random";   ///< a sim::make_strategy name: random, pct, portfolio
  std::filesystem::path out = "flushcoord-traces";  ///< where a failing seed's trace goes
  /// The program that replays a trace: your testing::main binary. Empty:
  /// this process's own path (right when this binary calls testing::main).
  std::string tool{};
  bool check_determinism = false;    ///< run each seed twice; differing runs fail
  std::optional<double> time_budget_s{};  ///< stop handing out seeds after this long
};

struct check_result {
  bool ok = false;
  std::uint64_t seeds_run = 0;
  std::optional<std::uint64_t> failing_seed;
  std::optional<std::filesystem::path> trace;  ///< the failing seed's trace
  /// What `run` printed: the failure, its replay command, the summary.
  std::string message;
  explicit operator bool() const noexcept { return ok; }
};

/// The part of a campaign that does not depend on S (compiled into the
/// flushcoord::testing library).
/// `finalize_faults` as for main_runner (main.hpp).
check_result check_runner(properties::scenario_runner run, bool finalize_faults, const check_options& opts);

/// The campaign over setup S's engine. Sets the process's simulated
/// engine to S (as testing::main does). Throws std::invalid_argument for
/// bad options (an empty seed range, an unknown strategy, jobs == 0).
template <setup S>
check_result check(const check_options& opts = {}) {
  return check_runner(&run<S>, injects_finalize_faults<S>(), opts);
}

}  // namespace flushcoord::testing

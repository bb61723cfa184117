// flushcoord/sim/pct.hpp — PCT: probabilistic concurrency testing.
//
// S. Burckhardt, P. Kothari, M. Musuvathi, S. Nagarakatte, "A Randomized
// Scheduler with Probabilistic Guarantees of Finding Bugs", ASPLOS 2010.
//
// Every task gets a random priority when it first appears; at each choice
// point the runnable task with the highest priority runs. d-1 CHANGE POINTS
// are drawn uniformly among the first k steps; when the run reaches the i-th
// one, the task about to run drops to priority d-i (below every initial
// priority). For a program with n tasks and k steps, a bug of depth d (d
// ordering constraints) is found in each run with probability at least
// 1/(n * k^(d-1)) — the figure guarantee() reports for the run just ended.
//
// Why it complements the random walk: a random walk preempts at almost every
// choice point, so it rarely lets one task run long enough to expose a bug
// that needs a long undisturbed stretch; PCT preempts only d-1 times.
//
// Deterministic: all draws come from derive_seed(run seed, stream_pct).
// k must be fixed up front (not learned from earlier runs), so a seed's
// schedule does not depend on which seeds the same worker ran before. A
// campaign sets it per run from the scenario (expect_steps), which is a
// function of the seed: a k far above the run's real length puts most
// change points after the run has ended.
#pragma once

#include <cstddef>
#include <cstdint>
#include <vector>

#include "flushcoord/sim/rng.hpp"
#include "flushcoord/sim/scheduler.hpp"

namespace flushcoord::sim {

/// The scheduling stream PCT draws from (distinct from the random walk's).
inline constexpr std::uint64_t stream_pct = 11;

struct pct_options {
  std::uint32_t depth = 2;             ///< d >= 1: d-1 priority change points
  std::uint64_t expected_steps = 2000; ///< k: change points fall in [1, k]
};

class pct final : public scheduler {
 public:
  explicit pct(pct_options opts = {});

  void start_run(const run_start& run) override;
  std::size_t pick(const pick_request& req) override;
  std::string end_run() override;

  const pct_options& options() const noexcept { return opts_; }
  /// Of the last run: tasks seen (n) and steps taken (k).
  std::uint64_t tasks_seen() const noexcept { return priority_.size(); }
  std::uint64_t steps_seen() const noexcept { return steps_; }
  /// 1/(n * k^(d-1)) for the last run's n and k (the paper's lower bound on
  /// the probability that one run finds a given depth-d bug).
  /// Uses the step number of the last choice point as k; with a run_result
  /// at hand, bound(depth, result.tasks, result.steps) is exact.
  std::optional<double> guarantee() const override;
  /// Sets k for the following runs (at least 1).
  void expect_steps(std::uint64_t steps) override { opts_.expected_steps = steps < 1 ? 1 : steps; }
  static double bound(std::uint32_t depth, std::uint64_t n, std::uint64_t k) noexcept;

 private:
  std::uint64_t priority_of(task_id t);

  pct_options opts_;
  rng rng_;
  std::vector<std::uint64_t> priority_;     // by task id; grows as tasks appear
  std::vector<std::uint64_t> change_steps_; // sorted, d-1 entries
  std::size_t next_change_ = 0;
  std::uint64_t steps_ = 0;
};

}  // namespace flushcoord::sim

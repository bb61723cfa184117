// flushcoord/sim/scheduler.hpp — the interface of a scheduling strategy.
//
// A strategy decides, at each scheduling point with two or more runnable
// tasks, which one runs next. One strategy per file:
//   random_walk.hpp        uniform choice from a seeded stream
//   replay_scheduler.hpp   replays a recorded decision vector
// Planned: PCT (Burckhardt et al., ASPLOS 2010) and a bounded exhaustive DFS
// explorer; both fit this interface (PCT needs task ids and the step count,
// DFS the decision number and the runnable-set size).
#pragma once

#include <cstddef>
#include <cstdint>
#include <span>
#include <string>

#include "flushcoord/sim/ids.hpp"

namespace flushcoord::sim {

/// What a strategy sees at a choice point.
struct pick_request {
  /// Runnable tasks in increasing task id order; size() >= 2.
  std::span<const task_id> runnable;
  /// The task at the scheduling point, if it is still runnable; otherwise
  /// no_task (it blocked or finished, so the scheduler thread is choosing).
  task_id current = no_task;
  /// Scheduling points so far in this run (including this one).
  std::uint64_t step = 0;
  /// Number of decisions already made in this run (this one's index).
  std::uint64_t decision = 0;
};

/// Facts about the run being started.
struct run_start {
  std::uint64_t seed = 0;  ///< config::seed of the simulator
};

/// A scheduling strategy. The simulator calls start_run once before each run
/// and pick at each choice point, always from the one simulator thread.
class scheduler {
 public:
  virtual ~scheduler() = default;

  /// Effects: resets per-run state; a deterministic strategy must derive all
  /// its randomness from run.seed (and its own constructor arguments).
  virtual void start_run(const run_start& run) = 0;

  /// Returns an index into req.runnable. Returning an index >= the size
  /// signals that the strategy cannot go on (e.g. a replay diverged): the
  /// run then fails as failure_class::nondeterminism with error() as message.
  virtual std::size_t pick(const pick_request& req) = 0;

  /// Why the last pick returned an out-of-range index; empty otherwise.
  virtual std::string error() const { return {}; }

  /// Called when the run ends without failure. Returns a non-empty message
  /// if the strategy considers the run inconsistent (e.g. a replay that
  /// ended before all recorded decisions were used); the run then fails as
  /// nondeterminism.
  virtual std::string end_run() { return {}; }
};

}  // namespace flushcoord::sim

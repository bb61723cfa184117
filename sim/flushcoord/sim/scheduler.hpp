// flushcoord/sim/scheduler.hpp — the interface of a scheduling strategy.
//
// A strategy decides, at each scheduling point with two or more runnable
// tasks, which one runs next. One strategy per file:
//   random_walk.hpp        uniform choice from a seeded stream
//   replay_scheduler.hpp   replays a recorded decision vector
//   pct.hpp                PCT (Burckhardt et al., ASPLOS 2010)
//   default_replay.hpp     replays a decision list, then a fixed default (shrinking)
//   portfolio.hpp          alternates strategies across seeds
// The exhaustive explorer (explorer.hpp) drives its own scheduler through
// this interface as well.
#pragma once

#include <cstddef>
#include <cstdint>
#include <optional>
#include <span>
#include <string>

#include "flushcoord/sim/access.hpp"
#include "flushcoord/sim/event.hpp"
#include "flushcoord/sim/ids.hpp"

namespace flushcoord::sim {

/// What a runnable task will do when picked: the operation it is poised at
/// (kind as in event.hpp: lock/unlock mutex#object, wait/wait_until on
/// condvar#object with mutex#object2, notify_*, spawn (object = the new
/// task, already created), join task#object, sleep, yield, stop_streams),
/// or `start` for a task that has not run yet. A task woken from a mutex or
/// condvar wait is poised at `lock` of the mutex it must re-take, one woken
/// from join or sleep at `join` / `sleep` (the rest of that operation).
struct next_op {
  event_kind kind = event_kind::start;
  std::uint32_t object = 0;
  std::uint32_t object2 = 0;
  /// The step will block at once: a lock of a mutex another task holds.
  /// Running it changes nothing but the task's own state (it waits until
  /// the holder unlocks, as it would have without running).
  bool blocks = false;
};

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
  /// With config::record_accesses: every access of every step since the
  /// previous pick (or the run's start), step_end markers included; the
  /// step that just ended is the last. Empty otherwise.
  std::span<const access> accesses;
  /// With config::record_accesses: next[i] is runnable[i]'s next operation.
  std::span<const next_op> next;
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

  /// For strategies with a probabilistic guarantee (PCT): the lower bound on
  /// the probability that the run just ended finds a given bug of the
  /// strategy's depth. Empty for strategies without one.
  virtual std::optional<double> guarantee() const { return std::nullopt; }

  /// A hint, set before start_run, of how many scheduling points the next
  /// run will take; it must be derived from the run's input (its scenario),
  /// never from earlier runs, so a seed's schedule stays a function of the
  /// seed. PCT draws its change points within it; others ignore it.
  virtual void expect_steps(std::uint64_t /*steps*/) {}
};

}  // namespace flushcoord::sim

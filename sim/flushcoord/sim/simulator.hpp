// flushcoord/sim/simulator.hpp — one deterministic simulated run at a time.
//
// Types:
//   task_info    what checkers may know about a task
//   run_result   how a run ended, with its hashes
//   simulator    owns the tasks, the clock, the scheduler hookup and the
//                failure of a run; reusable for many runs
//
// Model. Every task is a fiber on the calling OS thread; exactly one runs at
// a time. Every operation of sim::runtime that blocks or orders events
// (spawn, lock, unlock, wait, wait_until, notify_*, join, sleep_for, yield,
// stop_unstarted_streams) begins with a SCHEDULING POINT: the strategy picks
// which runnable task continues (possibly the same one). Between points a
// task runs alone, so state guarded by sim mutexes needs no atomics.
//
// Time is virtual integer nanoseconds, starting at 0. It moves only when no
// task is runnable: the clock then jumps to the earliest pending deadline
// and every timer due at that instant fires (in registration order).
//
// A run ends when every task has finished (success), or at the first
// failure: deadlock (no runnable task, no timer, some task alive), step or
// time budget exceeded, scheduler divergence, an exception escaping a task,
// or simulator::fail(). A failed run is abandoned cleanly: each live task is
// resumed once more, newest first (children before the parents whose locals
// they borrow), in "aborting" mode, where blocking operations throw
// sim::aborted (or, during unwinding, return at once) and nothing blocks, so
// every stack unwinds and every closure is destroyed; no memory leaks.
//
// Abort-mode contract for workload code:
//   wait, wait_until, join, sleep_for, yield   throw aborted (return at once
//                                               while an exception is in
//                                               flight or in a closure dtor)
//   lock, unlock, notify_*, spawn               never throw; lock "succeeds"
//                                               without blocking
// Destructors should not call the throwing group (they would terminate).
#pragma once

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <memory>
#include <optional>
#include <span>
#include <stop_token>
#include <string>
#include <string_view>
#include <vector>

#include "flushcoord/runtime_policy.hpp"
#include "flushcoord/sim/access.hpp"
#include "flushcoord/sim/config.hpp"
#include "flushcoord/sim/decision_log.hpp"
#include "flushcoord/sim/detail/task.hpp"
#include "flushcoord/sim/event.hpp"
#include "flushcoord/sim/failure.hpp"
#include "flushcoord/sim/hash.hpp"
#include "flushcoord/sim/ids.hpp"
#include "flushcoord/sim/random_walk.hpp"
#include "flushcoord/sim/scheduler.hpp"
#include "flushcoord/sim/stack_pool.hpp"

namespace flushcoord::sim {

class mutex;
class condvar;
class runtime;

/// A task as checkers see it.
struct task_info {
  task_id id = no_task;
  std::string_view name;
  task_kind kind = task_kind::stream;
  bool started = false;   ///< its fiber ran at least once
  bool finished = false;  ///< returned, threw, or was destroyed unrun
  bool dropped = false;   ///< destroyed without being invoked
  bool program = false;   ///< a task of the program (runtime::spawn(name, f), or main), not the coordinator's
};

/// How a run ended.
struct run_result {
  std::optional<failure> failed;  ///< empty on success
  std::uint64_t steps = 0;        ///< scheduling points executed
  std::size_t decisions = 0;      ///< choice points (runnable set >= 2)
  std::uint64_t decision_hash = 0;
  std::uint64_t event_hash = 0;
  std::chrono::nanoseconds end_time{0};  ///< virtual time at the end
  std::size_t tasks = 0;                 ///< tasks spawned, main included
  bool ok() const noexcept { return !failed.has_value(); }
};

class simulator {
 public:
  /// A simulator scheduling with its own random_walk seeded by cfg.seed.
  explicit simulator(config cfg = {});
  /// A simulator scheduling with `strategy`, which must outlive it.
  simulator(config cfg, scheduler& strategy);
  ~simulator();
  simulator(const simulator&) = delete;
  simulator& operator=(const simulator&) = delete;

  /// Runs main_fn as task 0 ("main", kind finalizer) and every task it
  /// spawns, until all have finished or the run fails.
  /// Requires: no run is active on this thread (runs do not nest).
  /// Effects: resets all per-run state (decisions, hashes, clock, tasks);
  /// buffers and stacks are reused. Returns the outcome; never throws for a
  /// failure of the simulated program.
  template <class F>
  run_result run(F&& main_fn) {
    return run_closure(detail::make_closure(std::forward<F>(main_fn)));
  }

  // --- Hooks for checkers (callable from tasks and observers) -------------

  /// Fails the run with `what` and `message`. The first failure wins; the
  /// run stops at the calling task's next scheduling point (or when it
  /// finishes). Ignored while a failed run is being abandoned.
  void fail(failure_class what, std::string message);

  /// Registers an observer for every later event; it must outlive the
  /// simulator's runs. Not removable (create a new simulator instead).
  void add_observer(observer& o) { observers_.push_back(&o); }

  // --- Queries (any time; during a run they describe the run so far) ------

  std::chrono::nanoseconds now() const noexcept { return now_; }
  std::uint64_t steps() const noexcept { return steps_; }
  const decision_log& decisions() const noexcept { return decisions_; }
  std::uint64_t event_hash() const noexcept { return event_hash_.value(); }
  /// All events of the run, if config::record_events; empty otherwise.
  std::span<const event> events() const noexcept { return events_; }
  /// The texts of the run's note events (an event's `object` indexes
  /// them), if config::record_events; empty otherwise.
  std::span<const std::string> notes() const noexcept { return notes_; }
  const config& options() const noexcept { return cfg_; }
  const std::optional<failure>& failure_state() const noexcept { return failure_; }
  /// With config::record_accesses: the accesses logged since the last pick
  /// (after a run: those of its final steps). Empty otherwise.
  std::span<const access> accesses() const noexcept { return accesses_; }

  std::size_t task_count() const noexcept { return task_count_; }
  /// Requires: id < task_count().
  task_info task(task_id id) const;
  /// Tasks spawned and not yet finished (the calling task included).
  std::size_t live_tasks() const noexcept { return live_; }
  /// The task whose fiber is running, or no_task on the scheduler.
  task_id current_task() const noexcept;
  /// "name#id", as reports spell a task.
  std::string task_label(task_id id) const;
  /// What a task is, for reports: "stream", "finalizer" or "program".
  std::string_view task_role(task_id id) const;

  /// Mutexes and condvars used so far in the run (ids 1..count).
  std::size_t mutex_count() const noexcept { return mutexes_.size(); }
  std::size_t condvar_count() const noexcept { return condvars_.size(); }
  /// The name the object was constructed with, or nullptr. Requires:
  /// 1 <= id <= the count.
  const char* mutex_name(object_id id) const { return mutexes_.at(id - 1).name; }
  const char* condvar_name(object_id id) const { return condvars_.at(id - 1).name; }
  /// How reports spell an object: its name, or "mutex#N" / "condvar#N".
  std::string object_label(object_type type, object_id id) const;

  /// The simulator whose run is active on this thread, or nullptr.
  static simulator* active() noexcept;

 private:
  friend class mutex;
  friend class condvar;
  friend class runtime;
  friend class task_handle;
  friend struct context_switch;

  run_result run_closure(std::unique_ptr<detail::closure> main_fn);

  // Run lifecycle (simulator_run.cpp).
  void begin_run();
  void scheduler_loop();
  detail::task* pick_from_scheduler();
  task_id choose(task_id current);
  bool fire_timers();
  void abort_all();
  run_result make_result() const;

  // Task lifecycle and switching (simulator_tasks.cpp, context_switch.cpp).
  detail::task& new_task(task_kind kind, const char* name,
                         std::unique_ptr<detail::closure> fn, bool program);
  void run_current_task() noexcept;
  void finish_task(detail::task& t) noexcept;
  void resume(detail::task& t);
  void suspend(detail::task& me);

  // Scheduling points and blocking (simulator_ops.cpp).
  detail::task& running(const char* what);
  void point(detail::task& me, event_kind k, std::uint32_t object);
  void block(detail::task& me, detail::wait_kind why, std::uint32_t object,
             std::optional<std::chrono::nanoseconds> deadline);
  void make_runnable(detail::task& t);
  void remove_runnable(detail::task& t);
  void wake(detail::task& t, std::uint32_t object);
  void wake_all(detail::waiter_queue& q, std::uint32_t object);
  void abort_tick(detail::task& me, bool may_throw);
  /// Hashes the event (always) and hands it to the event log and observers
  /// (when there are any, out of line). One word per event keeps hashing
  /// cheap; ids beyond 2^28 alias, which a fingerprint tolerates.
  /// `woken_on` (for a wake) is not hashed: it follows from the events
  /// before it.
  void emit(event_kind k, task_id t, std::uint32_t object,
            object_type woken_on = object_type::none) {
    check_break();
    constexpr std::uint64_t mask28 = (1u << 28) - 1;
    event_hash_.add((static_cast<std::uint64_t>(k) << 56) | ((t & mask28) << 28) |
                    (object & mask28));
    if (cfg_.record_events || !observers_.empty()) [[unlikely]]
      publish(event{steps_, now_, k, t, object, woken_on, {}});
  }
  void publish(const event& e);
  /// runtime::on_event: hashes the coordinator's event (kind, ok, seq and
  /// count) and publishes it as an event of kind `coordinator`.
  void coordinator_event_seen(const coordinator_event& e) noexcept;
  /// runtime::note: hashes the note's index and length, records its text
  /// and publishes it as an event of kind `note`.
  void note_seen(std::string_view text) noexcept;
  /// Logs an access of the running step (no-op unless record_accesses).
  void touch(object_class cls, std::uint32_t id, bool write, bool acquire = false) const {
    if (cfg_.record_accesses) log_access(cls, id, write, acquire);
  }
  void log_access(object_class cls, std::uint32_t id, bool write, bool acquire) const;
  /// name_birth inside a run: the running task's next birth name.
  std::uint32_t next_birth_name() noexcept;
  friend void detail::name_birth(detail::object_ref& ref) noexcept;
  /// config::break_at_step: stops before the first event of that step
  /// that happens on a task's fiber, once per run.
  void check_break() {
    if (steps_ == cfg_.break_at_step) [[unlikely]]
      hit_break();
  }
  void hit_break();
  void end_step(task_id next);

  // Operations behind the runtime types (simulator_ops.cpp).
  object_id mutex_id(detail::object_ref& ref);
  object_id condvar_id(detail::object_ref& ref);
  void mutex_lock(detail::object_ref& ref);
  void mutex_unlock(detail::object_ref& ref);
  void relock(detail::task& me, object_id mid);
  bool condvar_wait(detail::object_ref& cv, detail::object_ref& m,
                    std::optional<std::chrono::nanoseconds> deadline);
  void condvar_notify(detail::object_ref& cv, bool all);
  task_id spawn(task_kind kind, const char* name, std::unique_ptr<detail::closure> fn,
                bool program = false);
  void join(task_id id, std::uint64_t run);
  bool done(task_id id, std::uint64_t run) const;
  void sleep_for(std::chrono::nanoseconds d, const std::stop_token* stop);
  void yield();
  void stop_unstarted_streams();

  /// Wakes a task sleeping with a stop token when a stop is requested.
  struct stop_waker {
    simulator* sim;
    detail::task* sleeper;
    void operator()() const noexcept;
  };
  /// With record_accesses: logs the stop request of a watched stop state as
  /// a write by the requesting step (the request itself is plain code).
  struct stop_writer {
    const simulator* sim;
    std::uint32_t id;
    void operator()() const noexcept;
  };
  /// A stop state seen by a sleep this run, watched until the run ends.
  struct stop_watch {
    std::stop_token token;
    std::unique_ptr<std::stop_callback<stop_writer>> on_request;
  };
  /// Logs a sleep's read of its stop token's state, watching it from its
  /// first sight; a state already stopped when first seen was written
  /// unseen, so that sleep is logged as `global`, as conservative as before.
  void touch_stop_token(const std::stop_token& token);
  /// runtime::stop_requested: with record_accesses, inside a step, logs a
  /// plain read of the token's stop state as touch_stop_token does.
  void observe_stop(const std::stop_token& token) noexcept;

  // Reports (report.cpp).
  std::string describe_wait(const detail::task& t) const;
  std::string task_table() const;

  config cfg_;
  std::unique_ptr<stack_pool> own_stacks_;
  stack_pool* stacks_;
  random_walk own_strategy_;
  scheduler* strategy_;
  std::vector<observer*> observers_;

  // Per-run state; begin_run() resets it, keeping capacities.
  std::uint64_t run_number_ = 0;
  /// What outlives a task's record: one small entry per task id, for the
  /// whole run. `rec` is the live record, nullptr once the task finished
  /// (its record, closure and stack are then recycled: a long run keeps
  /// records for the live tasks only). Ids are never reused.
  struct task_entry {
    detail::task* rec = nullptr;
    const char* name = "";
    task_kind kind = task_kind::stream;
    bool program = false;
    bool started = false;  // valid once rec == nullptr
    bool dropped = false;  // valid once rec == nullptr
  };
  std::vector<task_entry> entries_;                     // [id], task_count_ of them
  std::vector<std::unique_ptr<detail::task>> records_;  // every record made
  std::vector<detail::task*> free_records_;             // records not in use
  std::size_t task_count_ = 0;
  /// Releases a finished task's record (resume(), after its fiber ended).
  void release_record(detail::task& t) noexcept;
  std::size_t live_ = 0;
  std::vector<task_id> runnable_;  // sorted by id: the order strategies see
  std::vector<detail::mutex_state> mutexes_;      // [id - 1]
  std::vector<detail::condvar_state> condvars_;   // [id - 1]
  std::vector<detail::timer> timers_;             // min-heap on (deadline, seq)
  std::uint64_t timer_seq_ = 0;
  std::chrono::nanoseconds now_{0};
  std::uint64_t steps_ = 0;
  decision_log decisions_;
  fnv1a64 event_hash_;
  std::vector<event> events_;
  std::vector<std::string> notes_;   // with record_events: the texts of note events
  std::uint32_t notes_seen_ = 0;     // note events this run (their indexes)
  std::optional<failure> failure_;
  std::vector<next_op> next_ops_;          // parallel to runnable_ at a pick
  mutable std::vector<access> accesses_;  // since the last pick (record_accesses)
  std::uint32_t access_step_ = 0;         // steps so far (choose calls)
  task_id stepper_ = no_task;             // the task running the current step
  bool aborting_ = false;
  bool streams_stopped_ = false;
  std::vector<stop_watch> stop_watches_;  // record_accesses: the stop states seen, [stop id]
  std::vector<std::uint32_t> births_;               // [task]: sim objects it constructed
  bool break_hit_ = false;  // config::break_at_step reached in this run

  // Switching state (context_switch.cpp).
  detail::task* current_ = nullptr;  // the task whose fiber runs, if any
  detail::task* next_ = nullptr;     // chosen at a point, resumed by the loop
  void* scheduler_context_ = nullptr;
  const void* scheduler_stack_bottom_ = nullptr;  // for ASan annotations
  std::size_t scheduler_stack_size_ = 0;
};

}  // namespace flushcoord::sim

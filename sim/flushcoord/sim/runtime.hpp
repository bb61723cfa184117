// flushcoord/sim/runtime.hpp — the simulated runtime policy.
//
// Types:
//   sim::mutex        BasicLockable, not recursive
//   sim::condvar      condition variable over sim::mutex
//   sim::task_handle  copyable handle to a spawned task
//   sim::ref_count    a reference count (plain: one OS thread)
//   sim::runtime      the policy: now(), spawn(), plus sleep_for, yield,
//                     current_task_name, stop_unstarted_streams
//
// All of them act on the simulator whose run is active on the calling
// thread, and may be called only from a task of that run (a fiber);
// calling them elsewhere throws std::logic_error. Every operation marked
// SCHEDULING POINT may switch to another task (see simulator.hpp), and
// while a failed run is being abandoned the blocking ones throw aborted.
#pragma once

#include <chrono>
#include <concepts>
#include <cstddef>
#include <stop_token>
#include <string_view>
#include <type_traits>
#include <utility>

#include "flushcoord/runtime_policy.hpp"
#include "flushcoord/sim/detail/task.hpp"
#include "flushcoord/sim/ids.hpp"
#include "flushcoord/sim/simulator.hpp"

namespace flushcoord::sim {

/// A simulated mutex. Its state lives in the simulator under an id assigned
/// at first use in a run. Reports and traces call it by its name
/// ("engine.flush_lock"), or "mutex#N" if it has none. Not recursive:
/// locking it again from its owner blocks forever and is reported as a
/// deadlock.
class mutex {
 public:
  mutex() noexcept { detail::name_birth(ref_); }
  /// A mutex called `name` in reports and traces. `name` must outlive
  /// every run that uses the mutex (a string literal does); whitespace and
  /// '#' in it are written as '_' in trace files.
  explicit mutex(const char* name) noexcept {
    ref_.name = name;
    detail::name_birth(ref_);
  }
  mutex(const mutex&) = delete;
  mutex& operator=(const mutex&) = delete;

  /// SCHEDULING POINT, then blocks until the mutex is free and takes it.
  void lock();
  /// SCHEDULING POINT, then releases. Requires: the caller holds it (else
  /// the run fails as a property violation).
  void unlock();
  /// The id in the current run (0 before first use).
  object_id id() const noexcept { return ref_.id; }
  /// The name given at construction, or nullptr.
  const char* name() const noexcept { return ref_.name; }

 private:
  friend class condvar;
  detail::object_ref ref_;
};

/// A simulated condition variable. Waiters are woken in FIFO order; no
/// spurious wake-ups are generated (callers must still loop, the contract
/// allows them).
class condvar {
 public:
  condvar() noexcept { detail::name_birth(ref_); }
  /// A condvar called `name` in reports and traces (as for mutex).
  explicit condvar(const char* name) noexcept {
    ref_.name = name;
    detail::name_birth(ref_);
  }
  condvar(const condvar&) = delete;
  condvar& operator=(const condvar&) = delete;

  /// Requires: the caller holds m. SCHEDULING POINT; releases m, blocks until
  /// notified, re-acquires m.
  void wait(mutex& m);
  /// As wait, or until now() >= deadline. Returns false iff it returned
  /// because the deadline passed (at once if it already has).
  bool wait_until(mutex& m, std::chrono::nanoseconds deadline);
  /// SCHEDULING POINT; wakes the longest-waiting task, if any.
  void notify_one();
  /// SCHEDULING POINT; wakes every waiting task.
  void notify_all();
  object_id id() const noexcept { return ref_.id; }
  const char* name() const noexcept { return ref_.name; }

 private:
  detail::object_ref ref_;
};

/// R::ref_count: a plain integer, since every task of a run shares one OS
/// thread and switches only at scheduling points (this is not one).
class ref_count {
 public:
  ref_count() = default;
  ref_count(const ref_count&) = delete;
  ref_count& operator=(const ref_count&) = delete;
  void add() noexcept { ++n_; }
  bool release() noexcept { return --n_ == 0; }
  bool try_add() noexcept {
    if (n_ == 0) return false;
    ++n_;
    return true;
  }

 private:
  std::size_t n_ = 1;
};

/// Copyable handle to a task of the run that spawned it. A default-made
/// handle refers to no task: done() is true and join() returns at once.
/// Using a handle after its run ended throws std::logic_error.
class task_handle {
 public:
  task_handle() = default;

  /// SCHEDULING POINT; blocks until the task has finished (its function
  /// returned or it was destroyed unrun). Any number of joiners.
  void join();
  /// Non-blocking form of join's condition; not a scheduling point.
  bool done() const;
  task_id id() const noexcept { return id_; }

 private:
  friend class runtime;
  task_handle(simulator* s, task_id id, std::uint64_t run) noexcept
      : sim_(s), id_(id), run_(run) {}
  simulator* sim_ = nullptr;
  task_id id_ = no_task;
  std::uint64_t run_ = 0;
};

/// The runtime policy. A small copyable handle; default-constructed it uses
/// whichever simulator is active at each call, or it can be bound to one.
class runtime {
 public:
  using mutex = sim::mutex;
  using condvar = sim::condvar;
  using task_handle = sim::task_handle;
  using ref_count = sim::ref_count;

  runtime() noexcept = default;
  explicit runtime(simulator& s) noexcept : sim_(&s) {}

  /// Virtual time since the run began. Not a scheduling point.
  std::chrono::nanoseconds now() const;

  /// Creates a task running f() (invoked at most once, destroyed exactly
  /// once on a fiber of this run), then SCHEDULING POINT (the new task may
  /// run first). `name` must outlive the run (a string literal). After
  /// stop_unstarted_streams(), new stream tasks are destroyed unrun.
  template <class F>
    requires std::invocable<std::decay_t<F>&> && std::move_constructible<std::decay_t<F>>
  task_handle spawn(task_kind kind, const char* name, F&& f) const {
    simulator& s = target();
    const task_id id = s.spawn(kind, name, detail::make_closure(std::forward<F>(f)));
    return task_handle(&s, id, s.run_number_);
  }

  /// The policy's post (runtime_policy.hpp), for the async API: f() runs
  /// as a new task named "completion", so when it runs is one more
  /// scheduling decision. Like a stream it is destroyed unrun after
  /// stop_unstarted_streams(), as the prod runtime destroys what it had
  /// queued when it stops.
  template <class F>
    requires std::invocable<std::decay_t<F>&> && std::move_constructible<std::decay_t<F>>
  void post(F&& f) const {
    (void)spawn(task_kind::stream, "completion", std::forward<F>(f));
  }

  /// As spawn, for a task of the program itself rather than of the
  /// coordinator (a writer, a caller of drain or shutdown, a checkpointer):
  /// never dropped by stop_unstarted_streams, and reported as a program
  /// task, not as a stream or the finalizer. Not part of the policy.
  template <class F>
    requires std::invocable<std::decay_t<F>&> && std::move_constructible<std::decay_t<F>>
  task_handle spawn(const char* name, F&& f) const {
    simulator& s = target();
    const task_id id = s.spawn(task_kind::finalizer, name, detail::make_closure(std::forward<F>(f)), true);
    return task_handle(&s, id, s.run_number_);
  }

  /// The optional policy member (runtime_policy.hpp): the coordinator
  /// reports each of its events here, under its lock. The simulator hashes
  /// it into the run's event hash and records it as an event of kind
  /// `coordinator`. Not a scheduling point.
  void on_event(const coordinator_event& e) const noexcept;

  /// The engine's own words in the run's trace (flushcoord::note,
  /// core/flushcoord/note.hpp): `flushsim show` and the Perfetto export
  /// print them beside the coordinator's events, on the calling task. Not a
  /// scheduling point; outside a run, nothing.
  void note(std::string_view text) const noexcept;

  /// SCHEDULING POINT; blocks for d of virtual time (d <= 0: just the point).
  void sleep_for(std::chrono::nanoseconds d) const;
  /// As sleep_for(d), but returns early once st has a stop request (made
  /// before or during the sleep), through a std::stop_callback.
  void sleep_for(std::chrono::nanoseconds d, std::stop_token st) const;
  /// The optional policy member (runtime_policy.hpp): st.stop_requested(),
  /// logged with config::record_accesses as a read of st's stop state so
  /// that DPOR orders it against a racing stop request. Not a scheduling
  /// point.
  bool stop_requested(const std::stop_token& st) const noexcept;
  /// SCHEDULING POINT and nothing else.
  void yield() const;
  /// Name of the calling task as given to spawn ("main" for the run's main).
  std::string_view current_task_name() const;

  /// Models the runtime shutting down before queued tasks start (SPEC §4):
  /// SCHEDULING POINT, then every stream task not yet started — and every
  /// stream spawned later in this run — will be destroyed without its
  /// function being invoked. The destruction happens on the task's own
  /// fiber when the scheduler picks it, so the closure's destructor may lock
  /// sim mutexes. Finalizer tasks are unaffected.
  void stop_unstarted_streams() const;

  /// The simulator this handle acts on. Throws std::logic_error if unbound
  /// and no run is active.
  simulator& target() const;

 private:
  simulator* sim_ = nullptr;
};

static_assert(runtime_policy<runtime>, "sim::runtime must satisfy flushcoord::runtime_policy");

}  // namespace flushcoord::sim

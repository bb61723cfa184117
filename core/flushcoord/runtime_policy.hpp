// flushcoord/runtime_policy.hpp — the one interface between the coordinator
// and the world it runs in.
//
// The coordinator in core/ is written once, as templates over a *runtime
// policy* `R`. Everything that touches threads, time or ordering goes
// through `R`; core/ itself includes no <thread>, <mutex>, <atomic>,
// <condition_variable> and reads no clock. Two policies exist:
//
//   flushcoord::prod::runtime   real threads (Boost.Asio pool + a finalizer thread)
//   flushcoord::sim::runtime    Boost.Context fibers on one OS thread, seeded
//                               scheduler, virtual time
//
// ---------------------------------------------------------------------------
// Required members of R (checked by the `runtime_policy` concept below)
// ---------------------------------------------------------------------------
//
//   R::mutex            BasicLockable: lock(), unlock(). Not recursive.
//                       lock() and unlock() are SCHEDULING POINTS: the
//                       simulator may switch to another task at each.
//
//   R::condvar          Condition variable over R::mutex. The caller holds
//                       the mutex for every call.
//                       wait(m)               blocks until notified (spurious
//                                             wake-ups allowed). SCHEDULING POINT.
//                       wait_until(m, t)      as wait, or until now() >= t.
//                                             Returns false iff it returned
//                                             because the deadline passed.
//                                             SCHEDULING POINT.
//                       notify_one(), notify_all()   SCHEDULING POINTS.
//
//   R::ref_count        A reference count for objects shared across tasks
//                       (a ticket's cell). Starts at 1. add() counts one
//                       more owner; release() one fewer and returns true
//                       iff that was the last; try_add() adds one unless
//                       the count is already zero (the object is being
//                       destroyed), returning whether it did, so that a
//                       non-owning pointer can be upgraded as
//                       weak_ptr::lock does. NOT a scheduling point: it
//                       only decides when memory is freed, never what runs
//                       next. Prod: an atomic; sim: a plain integer (one
//                       OS thread).
//
//   R::task_handle      Copyable handle to a spawned task.
//                       join()   blocks until the task's function has returned
//                                or was destroyed without running. Several
//                                callers may join the same task concurrently.
//                                SCHEDULING POINT.
//                       done()   non-blocking form of join's condition.
//
//   rt.now()            -> std::chrono::nanoseconds since the runtime's
//                       epoch. Monotonic. Deadlines handed to
//                       condvar::wait_until are on this clock. The
//                       simulator's is virtual time from 0; prod's epoch is
//                       process-wide (prod/sync.hpp says why).
//
//   rt.spawn(kind, name, f) -> R::task_handle
//                       Runs `f()` (a move-only, void() callable) as a new
//                       task. SCHEDULING POINT.
//                       Contract on `f`: it is invoked at most once, and it
//                       is destroyed exactly once — after it returns, or
//                       without ever being invoked if the runtime stops
//                       before the task first runs (only for
//                       task_kind::stream; a task_kind::finalizer task is
//                       always run). The destruction happens on some task
//                       of the runtime (never from a signal handler), so it
//                       may lock R::mutex. spawn itself neither invokes nor
//                       destroys `f` before it returns: core calls it with
//                       its own R::mutex held. spawn may throw (allocation,
//                       thread creation, a failing post): then `f` has not
//                       been invoked and is destroyed unrun, inside spawn or
//                       with the caller's argument; core fails the flush as
//                       never_ran and rethrows (coordinator.hpp,
//                       spawn_stream). `name` is a string literal that
//                       lives forever; the simulator uses it in reports.
//
// Optional members of R (used when present, detected with `requires`)
// ---------------------------------------------------------------------------
//
//   R::mutex(const char* name), R::condvar(const char* name)
//                       Constructors taking a name that lives forever (a
//                       string literal). Core names its lock and wake-ups
//                       ("coordinator.lock", "coordinator.progress", ...;
//                       detail/named.hpp); the simulator reports them by
//                       name. Without them, core default-constructs.
//
//   rt.on_event(const coordinator_event&)   (events.hpp)
//                       Told of every coordinator event, under the
//                       coordinator's lock, just before the engine's
//                       on_event. Must not throw and must not block or
//                       schedule. The simulator records them in traces.
//
//   rt.wait_or_help(cv, m)
//                       As cv.wait(m), called only from a caller's thread
//                       blocked in acquire_permit() or ticket::wait(). The
//                       runtime may instead release m, run queued tasks on
//                       the calling thread, re-take m and return: to the
//                       caller that is a spurious wake-up, and it re-checks
//                       its condition. A runtime that does so breaks SPEC
//                       §2.6: the caller's wait is then bounded by the
//                       stream it ran, not by stream_timeout, and that
//                       stream may be another coordinator's. The prod
//                       runtime does it only with the UNSAFE opt-in
//                       runtime_options::callers_run_streams (off by
//                       default). Without the member, core calls cv.wait(m).
//
//   rt.post(f)          Needed by the async API only (async_runtime_policy
//                       below). Runs `f()` (move-only, void()) soon on a task
//                       of the runtime: never on the caller's stack, never
//                       before post returns (core calls it with its lock
//                       held). `f` is invoked at most once and destroyed
//                       exactly once, after it returned or unrun if the
//                       runtime stops first, on a task of the runtime (never
//                       inside post), so its destructor may lock R::mutex.
//                       post throws only if it cannot allocate; core then
//                       terminates (detail/async_waiters.hpp says why).
//                       Prod: the stream executor; sim: a new task, one
//                       scheduling decision like any other.
//
//   R::async_initiate<T>(token, start)
//                       Optional static member: lets the async members take
//                       a completion token. Calls start(c) once, where `c`
//                       is a move-only callable void(T) that core calls
//                       exactly once (from a posted task), and returns what
//                       the token makes of the operation (prod: Asio's
//                       async_initiate, so use_awaitable, use_future and
//                       callbacks work). Without it, the token must itself
//                       be a callable void(T) and the async members return
//                       void (the simulator does this).
//
//   rt.stop_requested(const std::stop_token&) noexcept -> bool
//                       As token.stop_requested(); core asks through it
//                       whenever it reads a caller's stop token outside a
//                       sleep (async_acquire_permit, ticket::async_wait).
//                       The request is plain std::stop_source state with no
//                       scheduling point, so the simulator logs the read as
//                       an access of that stop state (sim/access.hpp):
//                       without it, DPOR would take the read and a racing
//                       request_stop for independent and explore one order
//                       only. Not a scheduling point. Without the member,
//                       core calls token.stop_requested().
//
//   rt.coordinator_opened() noexcept, rt.coordinator_closed() noexcept
//                       Called once per coordinator: opened when its
//                       constructor has started the finalizer, closed when
//                       its intake first closes (close(), shutdown() or its
//                       destructor; with the coordinator's lock held, so it
//                       must not block). An open coordinator's finalizer
//                       never exits by itself, so a runtime that joins its
//                       tasks on destruction can tell, with these, that it
//                       would wait forever, and say so (the prod runtime
//                       aborts with a message). Not scheduling points.
//
// Time is integer nanoseconds in both runtimes: no floating point, no
// time_point of a real clock in core/.
//
// Core uses no atomics: every shared word is read and written under an
// R::mutex, so the policy needs no atomic type and every access that
// orders events is a lock or an unlock, which the simulator sees.
#pragma once

#include <chrono>
#include <concepts>
#include <stop_token>
#include <type_traits>
#include <utility>

namespace flushcoord {

/// What a spawned task is for. The prod runtime runs streams on its pool and
/// the finalizer on a thread of its own (it blocks for long periods); the
/// simulator may drop unstarted streams to model a runtime shutting down.
enum class task_kind { stream, finalizer };

using nanoseconds = std::chrono::nanoseconds;

namespace detail {
/// The archetype of what core passes to spawn: move-only, void().
struct spawn_archetype {
  spawn_archetype() = default;
  spawn_archetype(spawn_archetype&&) = default;
  spawn_archetype& operator=(spawn_archetype&&) = default;
  spawn_archetype(const spawn_archetype&) = delete;
  void operator()() {}
};
}  // namespace detail

template <class R>
concept runtime_policy =
    requires(R& rt, typename R::mutex& m, typename R::condvar& cv,
             typename R::task_handle& h, typename R::ref_count& rc, nanoseconds t) {
      { m.lock() } -> std::same_as<void>;
      { m.unlock() } -> std::same_as<void>;
      { cv.wait(m) } -> std::same_as<void>;
      { cv.wait_until(m, t) } -> std::same_as<bool>;
      { cv.notify_one() } -> std::same_as<void>;
      { cv.notify_all() } -> std::same_as<void>;
      { rc.add() } -> std::same_as<void>;
      { rc.release() } -> std::same_as<bool>;
      { rc.try_add() } -> std::same_as<bool>;
      { h.join() } -> std::same_as<void>;
      { h.done() } -> std::same_as<bool>;
      { rt.now() } -> std::same_as<nanoseconds>;
      {
        rt.spawn(task_kind::stream, "name", detail::spawn_archetype{})
      } -> std::same_as<typename R::task_handle>;
    } && std::copyable<typename R::task_handle> &&
    std::default_initializable<typename R::mutex> &&
    std::default_initializable<typename R::ref_count> &&
    std::default_initializable<typename R::condvar>;

/// A runtime policy that can run completions: what the async API needs.
template <class R>
concept async_runtime_policy =
    runtime_policy<R> && requires(R& rt) { rt.post(detail::spawn_archetype{}); };

namespace detail {
/// token.stop_requested(), through the policy when it watches such reads.
template <class R>
bool stop_requested(R& rt, const std::stop_token& token) noexcept {
  if constexpr (requires { { rt.stop_requested(token) } -> std::convertible_to<bool>; }) {
    return rt.stop_requested(token);
  } else {
    return token.stop_requested();
  }
}

/// Starts an async operation whose completion takes a T: through the
/// policy's async_initiate if it has one, else with `token` as the
/// completion itself.
template <class R, class T, class Token, class Start>
decltype(auto) initiate_async(Token&& token, Start start) {
  if constexpr (requires { R::template async_initiate<T>(std::forward<Token>(token), std::move(start)); }) {
    return R::template async_initiate<T>(std::forward<Token>(token), std::move(start));
  } else {
    static_assert(std::is_invocable_v<std::decay_t<Token>&, T>,
                  "this runtime policy has no async_initiate: the completion token must be a "
                  "callable taking the operation's result");
    start(std::decay_t<Token>(std::forward<Token>(token)));
  }
}
}  // namespace detail

/// RAII lock over any R::mutex. core/ cannot use std::unique_lock (it lives
/// in <mutex>), and a hand-written one also lets the simulator see every
/// unlock, including the ones on the exception path.
template <class Mutex>
class lock_guard {
 public:
  explicit lock_guard(Mutex& m) : m_(&m) { m_->lock(); }
  ~lock_guard() {
    if (held_) m_->unlock();
  }
  lock_guard(const lock_guard&) = delete;
  lock_guard& operator=(const lock_guard&) = delete;

  /// Releases the lock early, e.g. before calling user code.
  void unlock() {
    held_ = false;
    m_->unlock();
  }
  /// Re-takes a lock released by unlock().
  void lock() {
    m_->lock();
    held_ = true;
  }
  Mutex& mutex() const { return *m_; }
  /// False between unlock() and a lock() that returned.
  bool owns_lock() const { return held_; }

 private:
  Mutex* m_;
  bool held_ = true;
};

}  // namespace flushcoord

// flushcoord/detail/counted_condvar.hpp — a condition variable that knows
// whether anyone waits on it.
//
// Every wait and notify of the coordinator happens with the coordinator's
// mutex held, so a count of waiters kept under that mutex is exact: a
// notifier that sees zero knows no thread is between checking its condition
// and sleeping (the waiter holds the mutex all that time). Skipping such a
// notify loses nothing, and saves what a notify costs: a system call or a
// cache-line transfer on real threads, a scheduling point in the simulator.
#pragma once

#include <cstddef>

#include "flushcoord/detail/named.hpp"
#include "flushcoord/detail/observer.hpp"
#include "flushcoord/runtime_policy.hpp"

namespace flushcoord::detail {

template <runtime_policy R>
class counted_condvar {
 public:
  counted_condvar() = default;
  /// Names the runtime's condvar, if it takes a name (named.hpp).
  explicit counted_condvar(const char* name) : cv_(make_named<typename R::condvar>(name)) {}

  /// Requires m held. As R::condvar::wait.
  void wait(typename R::mutex& m) {
    waiting w(waiters_);
    cv_.wait(m);
  }

  /// Requires m held. As wait(), for a caller's thread (not a task of the
  /// runtime) that blocks in acquire_permit or ticket::wait: the runtime
  /// may run its queued tasks on this thread meanwhile (runtime_policy.hpp,
  /// wait_or_help), which the caller sees as a spurious wake-up.
  void wait_as_caller(R& rt, typename R::mutex& m) {
    waiting w(waiters_);
    if constexpr (requires { rt.wait_or_help(cv_, m); })
      rt.wait_or_help(cv_, m);
    else
      cv_.wait(m);
  }

  /// Requires m held. As R::condvar::wait_until.
  bool wait_until(typename R::mutex& m, nanoseconds deadline) {
    waiting w(waiters_);
    return cv_.wait_until(m, deadline);
  }

  // The state's waits: a listener's queued events are delivered first,
  // and the wait then returns at once, as a spurious wake-up (every caller
  // re-checks its condition), because the lock was released meanwhile.
  void wait(observed_mutex<R>& m) {
    if (!m.deliver_pending()) wait(m.raw());
  }
  void wait_as_caller(R& rt, observed_mutex<R>& m) {
    if (!m.deliver_pending()) wait_as_caller(rt, m.raw());
  }
  bool wait_until(observed_mutex<R>& m, nanoseconds deadline) {
    return m.deliver_pending() || wait_until(m.raw(), deadline);
  }

  /// Requires the mutex the waiters use held. Wakes one waiter, if any.
  void notify_one() {
    if (waiters_ != 0) cv_.notify_one();
  }

  /// Requires the mutex the waiters use held. Wakes every waiter, if any.
  void notify_all() {
    if (waiters_ != 0) cv_.notify_all();
  }

 private:
  /// Counts a waiter for the duration of one wait, exceptions included (the
  /// simulator's waits throw when it abandons a run).
  struct waiting {
    explicit waiting(std::size_t& n) : n_(n) { ++n_; }
    ~waiting() { --n_; }
    waiting(const waiting&) = delete;
    waiting& operator=(const waiting&) = delete;
    std::size_t& n_;
  };

  typename R::condvar cv_;
  std::size_t waiters_ = 0;
};

}  // namespace flushcoord::detail

// flushcoord/prod/sync.hpp — the prod runtime's mutex, condition variable
// and clock.
//
//   flushcoord::prod::mutex     std::mutex behind the R::mutex interface
//   flushcoord::prod::condvar   std::condition_variable over prod::mutex
//   flushcoord::prod::clock_now steady time as integer nanoseconds
//
// ---------------------------------------------------------------------------
// The clock
// ---------------------------------------------------------------------------
// Every prod runtime reports `now()` as std::chrono::steady_clock time since
// one process-wide epoch: the steady_clock reading taken the first time any
// prod runtime is constructed (or any deadline is converted, whichever comes
// first). A shared epoch is forced by the policy interface: `R::condvar` is
// default-constructed and so cannot know which runtime a deadline came from,
// yet `wait_until` must turn that deadline back into a steady_clock time
// point. The values stay small (the process's age), so `now() + timeout`
// does not overflow for any sane timeout.
//
// ---------------------------------------------------------------------------
// Thread-safety
// ---------------------------------------------------------------------------
// mutex and condvar have exactly the thread-safety of std::mutex and
// std::condition_variable. clock_now() may be called from any thread.
#pragma once

#include <chrono>
#include <condition_variable>
#include <mutex>

#include <flushcoord/runtime_policy.hpp>

namespace flushcoord::prod {

namespace detail {

/// The process-wide epoch of the prod clock. Initialised (thread-safely) by
/// the first call and constant afterwards.
inline std::chrono::steady_clock::time_point clock_epoch() noexcept {
  static const std::chrono::steady_clock::time_point epoch =
      std::chrono::steady_clock::now();
  return epoch;
}

}  // namespace detail

/// Steady time since the process-wide epoch, in integer nanoseconds.
/// Monotonic; never negative.
inline nanoseconds clock_now() noexcept {
  const auto epoch = detail::clock_epoch();
  return std::chrono::duration_cast<nanoseconds>(
      std::chrono::steady_clock::now() - epoch);
}

/// R::mutex of the prod runtime: a non-recursive std::mutex.
///
/// lock()   blocks until the calling thread owns the mutex. The caller must
///          not own it already.
/// unlock() releases it. The caller must own it.
/// native() the wrapped std::mutex, for condvar and for code that wants to
///          use the standard lock types with it.
class mutex {
 public:
  mutex() = default;
  mutex(const mutex&) = delete;
  mutex& operator=(const mutex&) = delete;

  void lock() { m_.lock(); }
  void unlock() { m_.unlock(); }
  bool try_lock() { return m_.try_lock(); }

  std::mutex& native() noexcept { return m_; }

 private:
  std::mutex m_;
};

/// R::condvar of the prod runtime: a std::condition_variable used with a
/// prod::mutex that the caller already holds.
///
/// Every member requires that the calling thread holds `m` (for wait and
/// wait_until) and returns with it held again. The waits adopt the held
/// std::mutex into a std::unique_lock for the duration of the wait and
/// release it from the unique_lock afterwards, so ownership never changes
/// hands. Spurious wake-ups are possible, as the policy allows.
class condvar {
 public:
  condvar() = default;
  condvar(const condvar&) = delete;
  condvar& operator=(const condvar&) = delete;

  /// Blocks until notified (or spuriously woken).
  void wait(mutex& m) {
    std::unique_lock<std::mutex> held(m.native(), std::adopt_lock);
    cv_.wait(held);
    held.release();
  }

  /// Blocks until notified, spuriously woken, or clock_now() >= deadline.
  /// Returns false iff it returned because the deadline passed. A deadline
  /// already in the past returns false at once without unlocking `m`; a
  /// deadline too far away to represent on steady_clock waits without one.
  bool wait_until(mutex& m, nanoseconds deadline) {
    if (clock_now() >= deadline) return false;
    std::unique_lock<std::mutex> held(m.native(), std::adopt_lock);
    const bool in_time = wait_locked(held, deadline);
    held.release();
    return in_time;
  }

  void notify_one() noexcept { cv_.notify_one(); }
  void notify_all() noexcept { cv_.notify_all(); }

 private:
  bool wait_locked(std::unique_lock<std::mutex>& held, nanoseconds deadline) {
    using steady = std::chrono::steady_clock;
    const steady::duration epoch = detail::clock_epoch().time_since_epoch();
    const steady::duration room = steady::duration::max() - epoch;
    if (std::chrono::duration_cast<steady::duration>(deadline) >= room) {
      cv_.wait(held);
      return true;
    }
    const steady::time_point at =
        detail::clock_epoch() +
        std::chrono::duration_cast<steady::duration>(deadline);
    return cv_.wait_until(held, at) == std::cv_status::no_timeout;
  }

  std::condition_variable cv_;
};

}  // namespace flushcoord::prod

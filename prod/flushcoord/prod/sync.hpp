// flushcoord/prod/sync.hpp — the prod runtime's mutex, condition variable
// and clock.
//
//   flushcoord::prod::mutex     R::mutex: a futex lock that spins briefly
//                               (Linux; std::mutex elsewhere)
//   flushcoord::prod::condvar   R::condvar: a futex sequence counter over
//                               prod::mutex (std::condition_variable elsewhere)
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
// point. The values stay small (the process's age); core still saturates
// `now() + timeout` (flushcoord/detail/deadline.hpp), and wait_until waits
// untimed for a deadline too far away to be a steady_clock time point.
//
// ---------------------------------------------------------------------------
// Thread-safety
// ---------------------------------------------------------------------------
// mutex and condvar have the thread-safety of std::mutex and
// std::condition_variable. Why they are not those: docs/performance.md. clock_now() may be called from any thread.
#pragma once

#include <algorithm>
#include <atomic>
#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <limits>
#include <mutex>
#include <optional>
#include <utility>

#if defined(__linux__)
#include <linux/futex.h>
#include <sys/syscall.h>
#include <time.h>
#include <unistd.h>
#endif

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

#if defined(__linux__)

namespace detail {

/// The futex calls the Linux mutex and condvar below are built on.
struct futex {
  static void wait(std::atomic<std::uint32_t>& word, std::uint32_t expected) noexcept {
    syscall(SYS_futex, reinterpret_cast<std::uint32_t*>(&word), FUTEX_WAIT_PRIVATE, expected,
            nullptr, nullptr, 0);
  }
  /// Waits until `at` on CLOCK_MONOTONIC (steady_clock's clock on Linux).
  static void wait_until(std::atomic<std::uint32_t>& word, std::uint32_t expected,
                         const timespec& at) noexcept {
    syscall(SYS_futex, reinterpret_cast<std::uint32_t*>(&word),
            FUTEX_WAIT_BITSET_PRIVATE, expected, &at, nullptr, FUTEX_BITSET_MATCH_ANY);
  }
  static void wake(std::atomic<std::uint32_t>& word, int count) noexcept {
    syscall(SYS_futex, reinterpret_cast<std::uint32_t*>(&word), FUTEX_WAKE_PRIVATE, count,
            nullptr, nullptr, 0);
  }
};

/// A short pause inside a spin loop: tells the core a spin is going on.
inline void cpu_relax() noexcept {
#if defined(__x86_64__) || defined(__i386__)
  __builtin_ia32_pause();
#elif defined(__aarch64__)
  asm volatile("yield");
#endif
}

/// How long waits spin before they sleep in the kernel. A handoff between
/// two running threads takes well under a microsecond, a futex sleep and
/// wake-up several; a bounded spin catches the first kind and then sleeps,
/// so an idle coordinator burns nothing. Measured on a 2-core machine
/// shared with other work (docs/performance.md), longer spins only added
/// CPU time: the thread a spinner waits for is often not running. So the
/// mutex spins a little and condvar waits sleep at once; both can be
/// tuned at build time.
#if !defined(FLUSHCOORD_PROD_MUTEX_SPINS)
#define FLUSHCOORD_PROD_MUTEX_SPINS 20
#endif
#if !defined(FLUSHCOORD_PROD_CONDVAR_SPINS)
#define FLUSHCOORD_PROD_CONDVAR_SPINS 0
#endif
inline constexpr int mutex_spins = FLUSHCOORD_PROD_MUTEX_SPINS;
inline constexpr int condvar_spins = FLUSHCOORD_PROD_CONDVAR_SPINS;

}  // namespace detail

/// R::mutex of the prod runtime: a non-recursive futex lock (Drepper,
/// "Futexes Are Tricky", mutex3) that spins briefly before sleeping.
/// Unlike std::mutex on glibc, unlock makes a system call only when a
/// thread sleeps on the lock, and a short critical section held by a
/// running thread is waited out without a context switch.
///
/// lock()     blocks until the calling thread owns the mutex. The caller must
///            not own it already.
/// unlock()   releases it. The caller must own it.
/// try_lock() takes it if free; never blocks.
///
/// Deferred wake-ups: a condvar notified by the thread that holds this mutex
/// does not wake its sleepers at once — they would only run into the held
/// mutex and sleep again on it ("hurry up and wait", a second futex call and
/// context switch each). It hands the wake-up to the mutex instead, which
/// makes it right after unlock releases the lock. The effect is glibc's old
/// FUTEX_CMP_REQUEUE "wait morphing", without requeueing.
class mutex {
 public:
  mutex() = default;
  mutex(const mutex&) = delete;
  mutex& operator=(const mutex&) = delete;

  void lock() noexcept {
    std::uint32_t expected = unlocked;
    if (!word_.compare_exchange_strong(expected, locked, std::memory_order_acquire,
                                       std::memory_order_relaxed))
      lock_slow();
    owner_.store(this_thread_token(), std::memory_order_relaxed);
  }

  void unlock() noexcept {
    // The deferred list belongs to the holder: copy it out before letting go.
    const int n = std::exchange(deferred_count_, 0);
    deferred_wake wakes[max_deferred];
    for (int i = 0; i < n; ++i) wakes[i] = deferred_[i];
    owner_.store(nullptr, std::memory_order_relaxed);
    if (word_.exchange(unlocked, std::memory_order_release) == contended)
      detail::futex::wake(word_, 1);
    // Only the address is used from here on (the kernel looks up the
    // sleepers by address); the condvar may already be gone, which at
    // worst makes someone else's futex wait return spuriously.
    for (int i = 0; i < n; ++i) detail::futex::wake(*wakes[i].word, wakes[i].count);
  }

  bool try_lock() noexcept {
    std::uint32_t expected = unlocked;
    if (!word_.compare_exchange_strong(expected, locked, std::memory_order_acquire,
                                       std::memory_order_relaxed))
      return false;
    owner_.store(this_thread_token(), std::memory_order_relaxed);
    return true;
  }

 private:
  friend class condvar;

  struct deferred_wake {
    std::atomic<std::uint32_t>* word;
    int count;
  };
  static constexpr int max_deferred = 4;

  /// A per-thread address, compared only for equality: who holds the lock.
  static const void* this_thread_token() noexcept {
    static thread_local const char token = 0;
    return &token;
  }

  bool held_by_this_thread() const noexcept {
    return owner_.load(std::memory_order_relaxed) == this_thread_token();
  }

  /// Called by a condvar while this thread holds the lock: wake `count`
  /// sleepers of `word` once the lock is released. False if the list is
  /// full (the caller then wakes at once).
  bool defer_wake(std::atomic<std::uint32_t>& word, int count) noexcept {
    for (int i = 0; i < deferred_count_; ++i) {
      if (deferred_[i].word == &word) {
        // Two notify_one calls must wake two sleepers: add, saturating.
        const int room = std::numeric_limits<int>::max() - deferred_[i].count;
        deferred_[i].count += std::min(count, room);
        return true;
      }
    }
    if (deferred_count_ == max_deferred) return false;
    deferred_[deferred_count_++] = {&word, count};
    return true;
  }

  static constexpr std::uint32_t unlocked = 0;
  static constexpr std::uint32_t locked = 1;     // no thread sleeps on it
  static constexpr std::uint32_t contended = 2;  // a thread may sleep on it

  void lock_slow() noexcept {
    for (int i = 0; i < detail::mutex_spins; ++i) {
      detail::cpu_relax();
      if (word_.load(std::memory_order_relaxed) != unlocked) continue;
      if (try_lock()) return;
    }
    // Announce a sleeper, then sleep until the exchange finds it free.
    while (word_.exchange(contended, std::memory_order_acquire) != unlocked)
      detail::futex::wait(word_, contended);
  }

  std::atomic<std::uint32_t> word_{unlocked};
  std::atomic<const void*> owner_{nullptr};  // relaxed: only ever compared by the holder
  int deferred_count_ = 0;                   // the rest: touched only by the holder
  deferred_wake deferred_[max_deferred]{};
};

/// R::condvar of the prod runtime: a futex sequence counter over
/// prod::mutex. Every notify bumps the counter; a waiter reads it while it
/// still holds the mutex, so a notify made after the waiter let go of the
/// mutex always changes the counter it sleeps on — no wake-up is lost.
/// Notify makes a system call only if a waiter sleeps in the kernel; waiters
/// spin briefly first, so a notify that follows within a microsecond or so
/// costs no context switch at all.
///
/// Every member requires that the calling thread holds `m` (for wait and
/// wait_until) and returns with it held again. Spurious wake-ups are
/// possible, as the policy allows.
class condvar {
 public:
  condvar() = default;
  condvar(const condvar&) = delete;
  condvar& operator=(const condvar&) = delete;

  /// Blocks until notified (or spuriously woken).
  void wait(mutex& m) {
    bound_.store(&m, std::memory_order_relaxed);
    const std::uint32_t seen = seq_.load(std::memory_order_relaxed);
    m.unlock();
    if (!spin_for_change(seen)) {
      sleepers_.fetch_add(1, std::memory_order_seq_cst);
      if (seq_.load(std::memory_order_seq_cst) == seen) detail::futex::wait(seq_, seen);
      sleepers_.fetch_sub(1, std::memory_order_relaxed);
    }
    m.lock();
  }

  /// Blocks until notified, spuriously woken, or clock_now() >= deadline.
  /// Returns false iff it returned because the deadline passed. A deadline
  /// already in the past returns false at once without unlocking `m`; a
  /// deadline too far away to represent waits without one.
  bool wait_until(mutex& m, nanoseconds deadline) {
    if (clock_now() >= deadline) return false;
    const auto at = absolute(deadline);
    if (!at) {
      wait(m);
      return true;
    }
    bound_.store(&m, std::memory_order_relaxed);
    const std::uint32_t seen = seq_.load(std::memory_order_relaxed);
    m.unlock();
    bool notified = spin_for_change(seen);
    if (!notified) {
      sleepers_.fetch_add(1, std::memory_order_seq_cst);
      if (seq_.load(std::memory_order_seq_cst) == seen) detail::futex::wait_until(seq_, seen, *at);
      sleepers_.fetch_sub(1, std::memory_order_relaxed);
      notified = seq_.load(std::memory_order_relaxed) != seen;
    }
    m.lock();
    return notified || clock_now() < deadline;
  }

  void notify_one() noexcept { notify(1); }
  void notify_all() noexcept { notify(std::numeric_limits<int>::max()); }

 private:
  /// Spins a bounded while; true if the counter moved meanwhile.
  bool spin_for_change(std::uint32_t seen) const noexcept {
    for (int i = 0; i < detail::condvar_spins; ++i) {
      if (seq_.load(std::memory_order_acquire) != seen) return true;
      detail::cpu_relax();
    }
    return seq_.load(std::memory_order_acquire) != seen;
  }

  /// `deadline` (on the prod clock) as an absolute CLOCK_MONOTONIC time,
  /// or empty if it is too far away to represent.
  static std::optional<timespec> absolute(nanoseconds deadline) noexcept {
    const auto epoch = std::chrono::duration_cast<nanoseconds>(
        detail::clock_epoch().time_since_epoch());
    if (deadline > nanoseconds::max() - epoch) return std::nullopt;
    const std::int64_t at = (epoch + deadline).count();
    timespec ts{};
    ts.tv_sec = static_cast<time_t>(at / 1'000'000'000);
    ts.tv_nsec = static_cast<long>(at % 1'000'000'000);
    return ts;
  }

  /// Bumps the counter; wakes up to `count` sleepers — after the mutex is
  /// released if the caller holds the waiters' mutex (see prod::mutex).
  void notify(int count) noexcept {
    seq_.fetch_add(1, std::memory_order_seq_cst);
    if (sleepers_.load(std::memory_order_seq_cst) == 0) return;
    // Waiters store bound_ while holding the mutex, and only a holder of
    // that same mutex can have it defer: a stale or null bound_ just means
    // an immediate wake.
    mutex* m = bound_.load(std::memory_order_relaxed);
    if (m != nullptr && m->held_by_this_thread() && m->defer_wake(seq_, count)) return;
    detail::futex::wake(seq_, count);
  }

  std::atomic<std::uint32_t> seq_{0};
  std::atomic<std::uint32_t> sleepers_{0};
  std::atomic<mutex*> bound_{nullptr};  // the mutex the latest waiter used
};

#else  // not Linux: the standard library's primitives

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

#endif

}  // namespace flushcoord::prod

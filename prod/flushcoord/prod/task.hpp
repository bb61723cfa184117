// flushcoord/prod/task.hpp — task handles and the job wrapper that the
// prod runtime hands to Asio or to a thread.
//
//   flushcoord::prod::task_handle    copyable handle: join(), done()
//   flushcoord::prod::ref_count      R::ref_count: an atomic count
//   flushcoord::prod::detail::job<F> owns one spawned function; finishes
//                                    the task exactly once, run or not
//
// ---------------------------------------------------------------------------
// Task lifecycle
// ---------------------------------------------------------------------------
//
//   state        how it is left                          done()
//   -----------  --------------------------------------  ------
//   queued       job runs: f() is invoked                false
//   queued       job destroyed unrun (pool stopped):     false
//                f destroyed without being invoked
//   running      f() returns (or throws): f destroyed    false
//   finished     -                                       true
//
// A task becomes *finished* only after its function object has been
// destroyed, so whatever f owned (and whatever f's destructor does, such as
// locking a runtime mutex and reporting "never ran") happens-before every
// join() return and every done() that returns true.
//
// ---------------------------------------------------------------------------
// Thread-safety
// ---------------------------------------------------------------------------
// task_handle is a value type sharing one completion state; copies may be
// used from any threads concurrently, and any number of threads may join()
// the same task at once. A default-constructed handle refers to no task and
// counts as finished.
#pragma once

#include <atomic>
#include <cstddef>
#include <cstdint>
#include <memory>
#include <optional>
#include <utility>

namespace flushcoord::prod {

namespace detail {

/// One task's completion flag. Set once, never cleared. A lock-free flag:
/// done() is one load, finish() one store plus a wake-up only when a joiner
/// sleeps (C++20 atomic wait/notify: a futex on Linux).
class completion {
 public:
  void finish() noexcept {
    done_.store(1, std::memory_order_release);
    done_.notify_all();
  }

  void wait() const noexcept {
    while (done_.load(std::memory_order_acquire) == 0) done_.wait(0, std::memory_order_acquire);
  }

  bool done() const noexcept { return done_.load(std::memory_order_acquire) != 0; }

 private:
  std::atomic<std::uint32_t> done_{0};
};

/// Counts the runtime's unfinished tasks of one kind, so the runtime's
/// destructor can wait for the ones it cannot stop (streams on a user's
/// executor). Shared by the runtime and every job, so a job may outlive the
/// runtime object without touching freed memory. Lock-free: add and remove
/// are one atomic operation each; only wait_idle sleeps.
class task_counter {
 public:
  void add() noexcept { count_.fetch_add(1, std::memory_order_relaxed); }

  void remove() noexcept {
    if (count_.fetch_sub(1, std::memory_order_acq_rel) == 1) count_.notify_all();
  }

  void wait_idle() const noexcept {
    for (std::size_t n = count_.load(std::memory_order_acquire); n != 0;
         n = count_.load(std::memory_order_acquire))
      count_.wait(n, std::memory_order_acquire);
  }

  std::size_t count() const noexcept { return count_.load(std::memory_order_acquire); }

 private:
  std::atomic<std::size_t> count_{0};
};

/// One spawned function and its completion flag, in one allocation. The
/// task_handle shares the block (through an aliasing pointer to `done`), so
/// the flag outlives the job; the function itself is destroyed by the job.
template <class F>
struct task_block {
  template <class G>
  explicit task_block(G&& g) : f(std::in_place, std::forward<G>(g)) {}
  completion done;
  std::optional<F> f;
};

/// The callable the runtime hands to Asio (or to a std::jthread). Owns the
/// spawned function through its task_block on the heap, so moving the job
/// (Asio moves handlers freely) never moves or copies the function itself:
/// it is constructed once in spawn and destroyed exactly once, here.
///
/// Invoked: runs f, destroys f, then finishes the task. If f throws, the
/// exception propagates to whoever ran the job (an Asio pool thread or a
/// std::jthread turns that into std::terminate) after the destructor has
/// destroyed f and finished the task.
/// Destroyed unrun (pool stopped, executor destroyed, post failed):
/// destroys f without invoking it, then finishes the task.
template <class F>
class job {
 public:
  job(std::shared_ptr<task_block<F>> block, std::shared_ptr<task_counter> counter) noexcept
      : block_(std::move(block)), counter_(std::move(counter)) {}

  job(job&&) noexcept = default;
  job& operator=(job&&) = delete;
  job(const job&) = delete;
  job& operator=(const job&) = delete;

  ~job() { finish(); }

  void operator()() {
    if (block_ && block_->f) (*block_->f)();
    finish();
  }

 private:
  /// Destroys f, then uncounts the task before marking it done, so a caller
  /// that saw the handle done also sees the runtime's count without it.
  /// Neither step touches the runtime object itself.
  void finish() noexcept {
    if (!block_) return;
    auto block = std::exchange(block_, nullptr);
    block->f.reset();
    if (counter_) std::exchange(counter_, nullptr)->remove();
    block->done.finish();
  }

  std::shared_ptr<task_block<F>> block_;
  std::shared_ptr<task_counter> counter_;
};

}  // namespace detail

/// R::ref_count of the prod runtime: owners on any threads. Adding needs no
/// ordering; the last release must see every other owner's writes before
/// the object is freed (acquire-release, as std::shared_ptr does).
class ref_count {
 public:
  ref_count() = default;
  ref_count(const ref_count&) = delete;
  ref_count& operator=(const ref_count&) = delete;
  void add() noexcept { n_.fetch_add(1, std::memory_order_relaxed); }
  bool release() noexcept { return n_.fetch_sub(1, std::memory_order_acq_rel) == 1; }
  /// Adds an owner unless the count already reached zero (the object is
  /// being destroyed): how a non-owning pointer becomes an owning one.
  bool try_add() noexcept {
    std::size_t n = n_.load(std::memory_order_relaxed);
    while (n != 0)
      if (n_.compare_exchange_weak(n, n + 1, std::memory_order_relaxed)) return true;
    return false;
  }

 private:
  std::atomic<std::size_t> n_{1};
};

/// R::task_handle of the prod runtime.
///
/// join()  blocks until the task is finished (see the table above). Must not
///         be called from the task itself. Joining a stream task from
///         another stream task can deadlock if every pool thread ends up
///         waiting; join from outside the pool or size the pool for it.
/// done()  true iff the task is finished. Never blocks (one atomic load).
class task_handle {
 public:
  task_handle() = default;
  explicit task_handle(std::shared_ptr<detail::completion> state) noexcept
      : state_(std::move(state)) {}

  void join() const {
    if (state_) state_->wait();
  }

  bool done() const { return !state_ || state_->done(); }

 private:
  std::shared_ptr<detail::completion> state_;
};

}  // namespace flushcoord::prod

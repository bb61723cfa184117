// flushcoord/prod/task.hpp — task handles and the job wrapper that the
// prod runtime hands to Asio or to a thread.
//
//   flushcoord::prod::task_handle    copyable handle: join(), done()
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

#include <condition_variable>
#include <cstddef>
#include <memory>
#include <mutex>
#include <utility>

namespace flushcoord::prod {

namespace detail {

/// One task's completion flag. Set once, never cleared.
class completion {
 public:
  void finish() noexcept {
    {
      std::lock_guard<std::mutex> hold(m_);
      done_ = true;
    }
    cv_.notify_all();
  }

  void wait() {
    std::unique_lock<std::mutex> hold(m_);
    cv_.wait(hold, [this] { return done_; });
  }

  bool done() {
    std::lock_guard<std::mutex> hold(m_);
    return done_;
  }

 private:
  std::mutex m_;
  std::condition_variable cv_;
  bool done_ = false;
};

/// Counts the runtime's unfinished tasks of one kind, so the runtime's
/// destructor can wait for the ones it cannot stop (streams on a user's
/// executor). Shared by the runtime and every job, so a job may outlive the
/// runtime object without touching freed memory.
class task_counter {
 public:
  void add() {
    std::lock_guard<std::mutex> hold(m_);
    ++count_;
  }

  void remove() noexcept {
    bool idle = false;
    {
      std::lock_guard<std::mutex> hold(m_);
      --count_;
      idle = count_ == 0;
    }
    if (idle) cv_.notify_all();
  }

  void wait_idle() {
    std::unique_lock<std::mutex> hold(m_);
    cv_.wait(hold, [this] { return count_ == 0; });
  }

  std::size_t count() {
    std::lock_guard<std::mutex> hold(m_);
    return count_;
  }

 private:
  std::mutex m_;
  std::condition_variable cv_;
  std::size_t count_ = 0;
};

/// The callable the runtime hands to Asio (or to a std::jthread). Owns the
/// spawned function on the heap, so moving the job (Asio moves handlers
/// freely) never moves or copies the function itself: it is constructed
/// once in spawn and destroyed exactly once, here.
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
  job(std::unique_ptr<F> f, std::shared_ptr<completion> state,
      std::shared_ptr<task_counter> counter) noexcept
      : f_(std::move(f)), state_(std::move(state)), counter_(std::move(counter)) {}

  job(job&&) noexcept = default;
  job& operator=(job&&) = delete;
  job(const job&) = delete;
  job& operator=(const job&) = delete;

  ~job() { finish(); }

  void operator()() {
    std::unique_ptr<F> f = std::move(f_);
    if (f) (*f)();
    f.reset();
    finish();
  }

 private:
  /// Uncounts the task before marking it done, so a caller that saw the
  /// handle done also sees the runtime's count without it. Neither step
  /// touches the runtime object itself.
  void finish() noexcept {
    f_.reset();
    if (counter_) std::exchange(counter_, nullptr)->remove();
    if (state_) std::exchange(state_, nullptr)->finish();
  }

  std::unique_ptr<F> f_;
  std::shared_ptr<completion> state_;
  std::shared_ptr<task_counter> counter_;
};

}  // namespace detail

/// R::task_handle of the prod runtime.
///
/// join()  blocks until the task is finished (see the table above). Must not
///         be called from the task itself. Joining a stream task from
///         another stream task can deadlock if every pool thread ends up
///         waiting; join from outside the pool or size the pool for it.
/// done()  true iff the task is finished. Never blocks for long (takes a
///         short internal lock).
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

// flushcoord/prod/runtime.hpp — the production runtime policy: real
// threads, Boost.Asio for stream tasks, one std::jthread per finalizer.
//
//   flushcoord::prod::runtime_options   how many stream threads to start
//   flushcoord::prod::runtime           satisfies flushcoord::runtime_policy
//
// ---------------------------------------------------------------------------
// What runs where
// ---------------------------------------------------------------------------
//   task_kind::stream     posted to the runtime's own pool, an Asio
//                         io_context run by runtime_options::stream_threads
//                         threads (stream_pool.hpp), or to an executor the
//                         caller passed in. A stream task may also publish
//                         (run the engine's finalize, which takes the
//                         engine's flush lock): a caller's executor must not
//                         be one whose threads hold that lock while they
//                         wait for other work on the same executor.
//                         A caller's thread never runs a stream: a caller
//                         blocked in acquire_permit() or ticket::wait()
//                         sleeps (SPEC §2.6). The opt-in
//                         runtime_options::callers_run_streams, UNSAFE,
//                         lifts that (see there).
//   task_kind::finalizer  a dedicated std::jthread each, because a finalizer
//                         blocks for long periods and must not hold a pool
//                         thread. Always run, even while the runtime stops.
//
// Nothing polls: idle pool threads and idle finalizers block in a condition
// variable (with callers_run_streams, a pool thread that just ran a short
// stream sleeps at most on_call_timeout before it looks at the queue once
// more), so an idle runtime uses no CPU. The optional search (stream_search_spins) spins one
// thread for a few microseconds.
//
// ---------------------------------------------------------------------------
// Lifetime
// ---------------------------------------------------------------------------
// The runtime must outlive everything that uses it: the coordinator that
// holds a reference to it, and every task it runs (tasks typically capture
// the runtime's mutexes through the coordinator's shared state). Its
// destructor stops and joins:
//
//   1. intake closes: a stream spawned from now on never runs; it is
//      destroyed on a short-lived thread of its own (never inside spawn,
//      whose caller may hold a mutex that the function's destructor takes)
//      and that thread is joined in step 3. A finalizer is still started
//      (the policy promises finalizers always run).
//   2. streams:
//      - own pool: the pool is stopped; streams already running finish;
//        streams still queued are destroyed without running, exactly once,
//        on the destroying thread (so each may report "never ran");
//      - caller's executor: the runtime cannot stop it, so the destructor
//        WAITS until every stream it posted has run or been destroyed. The
//        caller must keep that executor running (or destroy its execution
//        context, which destroys the queued streams) or the destructor
//        blocks forever.
//   3. finalizers: every finalizer thread (and every thread destroying a
//      refused stream) is joined, including ones started meanwhile. A
//      finalizer that never returns makes the destructor block; shut the
//      coordinator down first.
//
// The destructor must not run on one of the runtime's own tasks.
//
// Destroying the runtime while a coordinator on it is still open (neither
// close()d, shut down nor destroyed) is a bug that would hang step 3: an
// open coordinator's finalizer never exits. The runtime counts open
// coordinators (runtime_policy.hpp, coordinator_opened/closed) and its
// destructor checks first: if any is open it prints
//   "flushcoord::prod::runtime destroyed while N coordinator(s) on it are
//    still open ..."
// on stderr and fails an assertion in debug builds; with NDEBUG (release)
// it prints the same line and calls std::abort(). Either way the process
// ends at once with a message instead of hanging silently. (Closing the
// coordinators for the caller instead would leave them holding a pointer
// to a destroyed runtime.) coordinators_open() reads the count.
//
// ---------------------------------------------------------------------------
// Thread-safety
// ---------------------------------------------------------------------------
// spawn() and now() may be called from any thread, concurrently, including
// from the runtime's own tasks, until the destructor starts. The stream
// functions run concurrently with each other on the pool threads.
//
// ---------------------------------------------------------------------------
// The function passed to spawn
// ---------------------------------------------------------------------------
// As flushcoord/runtime_policy.hpp says: invoked at most once, destroyed
// exactly once, after it returned or without ever being invoked (streams
// only). It should not throw: an exception escaping a stream on the owned
// pool, or any finalizer, calls std::terminate (the task is still marked
// finished first). On a caller's executor the exception reaches the thread
// that runs the executor.
#pragma once

#include <atomic>
#include <cassert>
#include <concepts>
#include <cstdint>
#include <cstddef>
#include <cstdio>
#include <cstdlib>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <thread>
#include <type_traits>
#include <utility>
#include <vector>

#if defined(__linux__)
#include <pthread.h>
#endif

#include <boost/asio/any_io_executor.hpp>
#include <boost/asio/associated_executor.hpp>
#include <boost/asio/async_result.hpp>
#include <boost/asio/executor_work_guard.hpp>
#include <boost/asio/post.hpp>

#include <flushcoord/prod/async_ops.hpp>
#include <flushcoord/prod/stream_pool.hpp>
#include <flushcoord/prod/sync.hpp>
#include <flushcoord/prod/task.hpp>
#include <flushcoord/error.hpp>
#include <flushcoord/runtime_policy.hpp>

namespace flushcoord::prod {

struct runtime_options {
  /// Threads of the owned stream pool. 0 means
  /// std::thread::hardware_concurrency(), and at least 2.
  std::size_t stream_threads = 0;
  /// How long one idle pool thread keeps looking for the next stream before
  /// it sleeps, in pause instructions (stream_pool.hpp); 0: never look.
  /// It pays only with callers_run_streams off, the default (try 2000, a
  /// few tens of microseconds); with it on, the spinning thread takes the
  /// CPU that the caller running streams needs (docs/performance.md, rounds
  /// two and three).
  unsigned stream_search_spins = 0;
  /// UNSAFE; off by default, and off in every figure of the README. On, a
  /// caller blocked in acquire_permit() or ticket::wait() runs queued
  /// streams of the owned pool on its own thread instead of sleeping. That
  /// breaks two guarantees (SPEC §2.6, §4):
  ///   - stream_timeout no longer bounds the caller's wait: the caller
  ///     returns only once the stream it picked up has returned, however
  ///     long after its timeout (or its permit coming back) that is;
  ///   - it may run ANY queued stream of the pool, including another
  ///     coordinator's, on the caller's thread, and that stream may
  ///     publish: a caller holding a lock that the other engine's finalize
  ///     takes then deadlocks itself, and no close() can break it.
  /// It saves a sleep and a cross-CPU wake-up per blocked wait, which is
  /// all it is for (docs/performance.md, third round); the safe way to that
  /// speed is a writer that is suspended, not blocked (issue 12's async
  /// API). Never used on a caller's executor, nor from the runtime's own
  /// threads, nor in timed waits (acquire_permit_for, wait_for).
  bool callers_run_streams = false;
  /// With callers_run_streams: how long a pool thread that just ran a
  /// stream stays *on call* (stream_pool.hpp) — asleep, but looking at the
  /// queue by itself when this passes, so a post need not wake it. Only
  /// while streams are short (below). A short stream posted by a caller
  /// who then blocks in acquire_permit or ticket::wait runs at once on that
  /// caller; one nobody blocks for (the caller polls, uses a timed wait, or
  /// is itself a stream) waits at most this long for a pool thread. Longer
  /// means fewer wake-ups; docs/performance.md has flushbench at 100 us to
  /// 1 ms. A value whose deadline would overflow (nanoseconds::max()) puts
  /// no thread on call.
  nanoseconds on_call_timeout = std::chrono::milliseconds(1);
  /// Callers run streams, and posts rely on threads on call, only while
  /// the streams run lately took at most this long on average: a caller
  /// must not get stuck in a long flush while its permit is already back.
  /// Until a stream has run, streams count as short; one long stream is
  /// enough to lift the average (it moves by 1/8 of each sample).
  nanoseconds short_stream = std::chrono::microseconds(20);
};

/// The most stream_threads a runtime accepts: far above any useful pool,
/// low enough that a typo (or a negative number converted to size_t) is an
/// error naming the field, not a std::system_error from thread creation.
inline constexpr std::size_t max_stream_threads = 4096;

/// Throws usage_error naming the first invalid field of `o`.
inline void validate(const runtime_options& o) {
  if (o.stream_threads > max_stream_threads)
    throw usage_error("runtime_options::stream_threads must be at most " + std::to_string(max_stream_threads) +
                      " (got " + std::to_string(o.stream_threads) + ")");
  if (o.on_call_timeout.count() < 0)
    throw usage_error("runtime_options::on_call_timeout must be >= 0 (got " +
                      std::to_string(o.on_call_timeout.count()) + "ns)");
  if (o.short_stream.count() < 0)
    throw usage_error("runtime_options::short_stream must be >= 0 (got " +
                      std::to_string(o.short_stream.count()) + "ns)");
}

class runtime {
 public:
  using mutex = prod::mutex;
  using condvar = prod::condvar;
  using task_handle = prod::task_handle;
  using ref_count = prod::ref_count;

  /// Starts an owned pool of `options.stream_threads` threads.
  /// Throws usage_error for invalid options (validate).
  explicit runtime(runtime_options options = {})
      : pool_(std::in_place, pool_size(validated(options).stream_threads), options.stream_search_spins,
              options.callers_run_streams ? options.on_call_timeout : nanoseconds(0),
              options.short_stream),
        callers_run_streams_(options.callers_run_streams) {
    (void)detail::clock_epoch();
  }

  /// Runs streams on `streams`, an executor the caller keeps running for as
  /// long as this runtime exists (see Lifetime above).
  explicit runtime(boost::asio::any_io_executor streams)
      : streams_(std::move(streams)) {
    (void)detail::clock_epoch();
  }

  runtime(const runtime&) = delete;
  runtime& operator=(const runtime&) = delete;

  /// Stops and joins; see Lifetime above. Aborts with a message if a
  /// coordinator on this runtime is still open.
  ~runtime() {
    refuse_to_hang_on_open_coordinators();
    close_intake();
    join_streams();
    join_finalizers();
  }

  /// The policy's optional wait_or_help (runtime_policy.hpp): as
  /// cv.wait(m). Only with the UNSAFE opt-in
  /// runtime_options::callers_run_streams, a caller's thread runs one
  /// queued stream instead of sleeping when there is one, and then returns
  /// as a spurious wake-up.
  void wait_or_help(condvar& cv, mutex& m) {
    if (!callers_run_streams_ || !pool_ || detail::runs_runtime_tasks() || !pool_->has_queued() ||
        !pool_->streams_are_short()) {
      cv.wait(m);
      return;
    }
    m.unlock();
    {
      detail::running_runtime_tasks here;  // a stream that blocks here must not help in turn
      if (pool_->run_one_queued()) streams_run_by_callers_.fetch_add(1, std::memory_order_relaxed);
    }
    m.lock();
  }

  /// Steady time since the process-wide prod epoch (see sync.hpp).
  nanoseconds now() const noexcept { return clock_now(); }

  /// Runs `f()` as a new task of `kind`; `name` must outlive the runtime
  /// (a string literal) and names finalizer threads for debuggers.
  /// Returns a handle that is finished once f has run and been destroyed,
  /// or has been destroyed unrun. Throws what thread creation or
  /// allocation throws; f is then destroyed unrun.
  template <class F>
    requires std::invocable<std::decay_t<F>&> &&
             std::constructible_from<std::decay_t<F>, F>
  task_handle spawn(task_kind kind, const char* name, F&& f) {
    using fn = std::decay_t<F>;
    auto block = std::make_shared<detail::task_block<fn>>(std::forward<F>(f));
    std::shared_ptr<detail::completion> state(block, &block->done);
    auto counter =
        kind == task_kind::stream ? streams_running_ : finalizers_running_;
    counter->add();  // from here on the job's destructor removes it
    detail::job<fn> work(std::move(block), std::move(counter));
    if (kind == task_kind::stream) {
      post_stream(std::move(work));
    } else {
      start_finalizer(name, std::move(work), state);
    }
    return task_handle(std::move(state));
  }

  /// The policy's post (runtime_policy.hpp), for the async API: runs f()
  /// as a stream task (on the owned pool or the caller's executor); while
  /// the runtime stops, f is destroyed unrun like a refused stream.
  template <class F>
    requires std::invocable<std::decay_t<F>&> &&
             std::constructible_from<std::decay_t<F>, F>
  void post(F&& f) {
    (void)spawn(task_kind::stream, "completion", std::forward<F>(f));
  }

  /// The policy's async_initiate (runtime_policy.hpp): the async members
  /// of coordinator and ticket take any Boost.Asio completion token for
  /// the signature void(T) — use_awaitable, use_future, a callback.
  /// Core calls the completion on one of this runtime's tasks; it posts
  /// the handler to the handler's associated executor (a callback without
  /// one runs on the system executor's threads), and keeps that executor's
  /// work counted until then, so an io_context.run() waiting for the
  /// permit does not return early. It always posts, never dispatches: a
  /// ticket made by ticket::ready completes inside the initiating call,
  /// where running the handler inline is not allowed.
  ///
  /// The handler's io_context may be destroyed first, while the operation
  /// is still suspended: its shutdown then destroys the handler unrun, as
  /// it does Asio's own pending operations (async_ops.hpp). The operation
  /// itself goes on; a permit it is granted later goes back at once.
  template <class T, class Token, class Start>
  static auto async_initiate(Token&& token, Start start) {
    return boost::asio::async_initiate<Token, void(T)>(
        [](auto handler, Start begin) {
          using pending = detail::pending_handler<decltype(handler), T>;
          begin([op = pending::make(std::move(handler))](T outcome) { op->complete(std::move(outcome)); });
        },
        token, std::move(start));
  }

  /// True once the destructor has closed intake (and stopped the owned
  /// pool): a stream spawned now will not run.
  bool stopping() const {
    std::lock_guard<std::mutex> hold(m_);
    return stopping_;
  }

  /// Stream tasks spawned and not yet finished (queued or running).
  std::size_t streams_unfinished() const { return streams_running_->count(); }
  /// Streams that callers ran while they waited: always 0 unless the
  /// UNSAFE callers_run_streams is on.
  std::uint64_t streams_run_by_callers() const {
    return streams_run_by_callers_.load(std::memory_order_relaxed);
  }
  /// Finalizer tasks spawned and not yet finished.
  std::size_t finalizers_unfinished() const {
    return finalizers_running_->count();
  }

  /// The policy's optional lifetime hooks (runtime_policy.hpp): each
  /// coordinator on this runtime calls opened once it has started its
  /// finalizer and closed once its intake closes.
  void coordinator_opened() noexcept { open_coordinators_.fetch_add(1, std::memory_order_relaxed); }
  void coordinator_closed() noexcept { open_coordinators_.fetch_sub(1, std::memory_order_release); }
  /// Coordinators on this runtime that are neither closed nor shut down.
  std::size_t coordinators_open() const noexcept {
    return open_coordinators_.load(std::memory_order_acquire);
  }

 private:
  /// A finalizer's thread, or (state null) a thread destroying a refused
  /// stream; the latter are only created once the destructor has started.
  struct finalizer_thread {
    std::shared_ptr<detail::completion> state;
    std::jthread thread;
  };

  /// See Lifetime: a coordinator still open would make the destructor
  /// wait forever for its finalizer.
  void refuse_to_hang_on_open_coordinators() const noexcept {
    const std::size_t open = coordinators_open();
    if (open == 0) return;
    std::fprintf(stderr,
                 "flushcoord::prod::runtime destroyed while %zu coordinator(s) on it are still open: "
                 "the destructor would wait forever for their finalizers. close(), shutdown() or "
                 "destroy every coordinator before its runtime (prod/flushcoord/prod/runtime.hpp, "
                 "Lifetime).\n",
                 open);
    std::fflush(stderr);
    assert(open == 0 && "flushcoord::prod::runtime destroyed while a coordinator on it is still open");
    std::abort();
  }

  static const runtime_options& validated(const runtime_options& o) {
    validate(o);
    return o;
  }

  static std::size_t pool_size(std::size_t requested) {
    if (requested != 0) return requested;
    const std::size_t cores = std::thread::hardware_concurrency();
    return cores < 2 ? 2 : cores;
  }

  /// Posts while holding m_, so the destructor cannot stop and destroy the
  /// pool between the intake check and the post; post never runs the job
  /// inline. After intake closed the job must still not be destroyed here:
  /// the policy lets spawn's caller hold an R::mutex that the function's
  /// destructor locks. A thread of its own destroys it instead, and the
  /// destructor joins that thread with the finalizers.
  template <class Job>
  void post_stream(Job work) {
    std::lock_guard<std::mutex> hold(m_);
    if (!stopping_) {
      if (pool_)
        pool_->post(std::move(work));
      else
        boost::asio::post(streams_, std::move(work));
      return;
    }
    std::jthread reaper([refused = std::move(work)]() mutable {
      Job destroyed_here = std::move(refused);
    });
    finalizers_.push_back({nullptr, std::move(reaper)});
  }

  template <class Job>
  void start_finalizer(const char* name, Job work,
                       std::shared_ptr<detail::completion> state) {
    std::vector<finalizer_thread> finished = take_finished_finalizers();
    finished.clear();  // joins threads whose task already finished
    std::jthread thread([name, work = std::move(work)]() mutable {
      name_this_thread(name);
      detail::running_runtime_tasks here;
      work();
    });
    std::lock_guard<std::mutex> hold(m_);
    finalizers_.push_back({std::move(state), std::move(thread)});
  }

  /// Removes the finalizer threads whose task has finished, so a long-lived
  /// runtime does not accumulate dead threads; the caller joins them.
  std::vector<finalizer_thread> take_finished_finalizers() {
    std::vector<finalizer_thread> finished;
    std::lock_guard<std::mutex> hold(m_);
    for (auto it = finalizers_.begin(); it != finalizers_.end();) {
      if (it->state && it->state->done()) {
        finished.push_back(std::move(*it));
        it = finalizers_.erase(it);
      } else {
        ++it;
      }
    }
    return finished;
  }

  /// Closes intake and stops the owned pool in one critical section, so a
  /// task that sees its spawn refused knows no queued stream will start.
  /// stream_pool::stop() does not block: running streams finish later.
  void close_intake() {
    std::lock_guard<std::mutex> hold(m_);
    stopping_ = true;
    if (pool_) pool_->stop();
  }

  void join_streams() {
    if (pool_) {
      pool_->join();
      pool_.reset();  // destroys the queued, unstarted streams
    }
    streams_running_->wait_idle();
  }

  /// Joins every finalizer thread, including ones started while joining.
  void join_finalizers() {
    for (;;) {
      std::vector<finalizer_thread> all;
      {
        std::lock_guard<std::mutex> hold(m_);
        all.swap(finalizers_);
      }
      if (all.empty()) return;
      all.clear();  // std::jthread joins on destruction
    }
  }

  static void name_this_thread(const char* name) noexcept {
#if defined(__linux__)
    char short_name[16] = {};
    for (std::size_t i = 0; i + 1 < sizeof short_name && name && name[i]; ++i) {
      short_name[i] = name[i];
    }
    pthread_setname_np(pthread_self(), short_name);
#else
    (void)name;
#endif
  }

  // Declaration order matters for destruction: the counters outlive the
  // pool whose jobs report to them.
  std::shared_ptr<detail::task_counter> streams_running_ =
      std::make_shared<detail::task_counter>();
  std::shared_ptr<detail::task_counter> finalizers_running_ =
      std::make_shared<detail::task_counter>();
  std::optional<detail::stream_pool> pool_;
  boost::asio::any_io_executor streams_;  // a caller's executor, if no pool_
  const bool callers_run_streams_ = false;
  std::atomic<std::uint64_t> streams_run_by_callers_{0};
  std::atomic<std::size_t> open_coordinators_{0};

  mutable std::mutex m_;    // guards stopping_ and finalizers_
  bool stopping_ = false;   // intake closed by the destructor
  std::vector<finalizer_thread> finalizers_;
};

static_assert(runtime_policy<runtime>);

}  // namespace flushcoord::prod

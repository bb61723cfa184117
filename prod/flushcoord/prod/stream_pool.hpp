// flushcoord/prod/stream_pool.hpp — the prod runtime's own stream threads:
// a boost::asio::io_context run by N threads, which callers blocked on the
// coordinator may help, and which are woken only when nobody else will
// pick a job up soon.
//
//   flushcoord::prod::detail::stream_pool
//
// Why not boost::asio::thread_pool: its threads sleep in the scheduler as
// soon as the queue is empty, and every post wakes one of them. A
// coordinator posts one stream per flush, so each flush paid a thread
// wake-up — several microseconds on a VM, where a wake-up across CPUs is an
// interrupt through the hypervisor. Here a post wakes a parked thread only
// if nobody else will take the job soon:
//   - with the UNSAFE opt-in runtime_options::callers_run_streams only, a
//     caller blocked on the coordinator runs it (run_one_queued, used by
//     runtime::wait_or_help) — while jobs are short (streams_are_short:
//     a moving average of job durations below `short_job`);
//   - with the same opt-in, a thread *on call* looks by itself: after
//     running a job, a thread first parks with a timeout
//     (`on_call_timeout`, again only while jobs are short), and posts
//     leave it asleep;
//   - a thread *searching* (optional, `search_spins` > 0; as in tokio's
//     scheduler, at most one) watches the queue for that many pause
//     instructions before it parks.
// The others park on a futex condvar until woken. Bounded: an on-call
// thread parks untimed after one timeout, a search ends, and an idle pool
// uses no CPU.
//
// Semantics are thread_pool's: stop() does not block and makes queued jobs
// never start; join() waits for the threads; destroying the pool destroys
// the queued jobs unrun (io_context's destructor does).
//
// Thread-safety: post, stop and join may be called from any thread; join
// must not be called from a pool thread.
#pragma once

#include <atomic>
#include <cstddef>
#include <cstdint>
#include <optional>
#include <thread>
#include <utility>
#include <vector>

#if defined(__linux__)
#include <pthread.h>
#endif

#include <boost/asio/executor_work_guard.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/post.hpp>

#include <flushcoord/detail/deadline.hpp>
#include <flushcoord/prod/sync.hpp>

namespace flushcoord::prod::detail {

/// True on a thread that is running the runtime's tasks: a pool thread, a
/// finalizer thread, or a caller's thread while it runs a stream for the
/// pool (runtime::wait_or_help). Such a thread never picks up more streams
/// while it blocks: a stream waiting on a ticket would otherwise run other
/// streams inside itself, to any depth.
inline thread_local bool on_runtime_task_thread = false;

inline bool runs_runtime_tasks() noexcept { return on_runtime_task_thread; }

/// Marks this thread as running runtime tasks for the scope's lifetime.
class running_runtime_tasks {
 public:
  running_runtime_tasks() noexcept : was_(std::exchange(on_runtime_task_thread, true)) {}
  ~running_runtime_tasks() { on_runtime_task_thread = was_; }
  running_runtime_tasks(const running_runtime_tasks&) = delete;
  running_runtime_tasks& operator=(const running_runtime_tasks&) = delete;

 private:
  bool was_;
};

class stream_pool {
 public:
  /// Starts `threads` (>= 1) threads. `search_spins` 0: no thread
  /// searches. `on_call_timeout` 0: no thread goes on call. A job counts
  /// as short if the moving average of job durations is <= `short_job`.
  /// With neither search nor on call, every post finds a parked thread
  /// awake or wakes one, as thread_pool does.
  stream_pool(std::size_t threads, unsigned search_spins, nanoseconds on_call_timeout,
              nanoseconds short_job)
      : ctx_(static_cast<int>(threads)),
        search_spins_(search_spins),
        on_call_timeout_(on_call_timeout),
        short_job_(short_job) {
    try {
      threads_.reserve(threads);
      for (std::size_t i = 0; i < threads; ++i) threads_.emplace_back([this] { work(); });
    } catch (...) {  // threads already started must not outlive a failed constructor
      stop();
      join();
      throw;
    }
  }

  stream_pool(const stream_pool&) = delete;
  stream_pool& operator=(const stream_pool&) = delete;

  ~stream_pool() {
    stop();
    join();
  }  // then ctx_'s destructor destroys the jobs that never started

  /// Queues `job`; never runs it inline.
  template <class Job>
  void post(Job job) {
    queued_.fetch_add(1, std::memory_order_seq_cst);
    try {
      boost::asio::post(ctx_, [this, job = std::move(job)]() mutable {
        queued_.fetch_sub(1, std::memory_order_relaxed);
        const nanoseconds started = clock_now();
        job();
        record_duration(clock_now() - started);
      });
    } catch (...) {
      // Nothing was queued: a count left up would keep idle threads from
      // ever parking (they would spin for a job that does not exist).
      queued_.fetch_sub(1, std::memory_order_relaxed);
      throw;
    }
    // Dekker with park(): a parker announces itself, then re-reads queued_.
    // A searcher, or a thread on call, will find the job without a wake-up.
    if (searching_.load(std::memory_order_seq_cst) == 0 &&
        (on_call_.load(std::memory_order_seq_cst) == 0 || !streams_are_short()) &&
        parked_.load(std::memory_order_seq_cst) != 0)
      wake_one();
  }

  /// True while the jobs run lately were short: their moving average
  /// duration is at most the `short_job` the pool was built with. Only
  /// then does it pay for a blocked caller to run one (it is back soon),
  /// and for a post to leave a stream to a thread on call (it waits little
  /// compared with what it then runs).
  bool streams_are_short() const noexcept {
    return average_ns_.load(std::memory_order_relaxed) <= short_job_.count();
  }

  /// True if a job is queued and the pool still runs jobs. A hint: another
  /// thread may take the job at any moment.
  bool has_queued() const noexcept {
    return queued_.load(std::memory_order_relaxed) != 0 && !stopped_.load(std::memory_order_relaxed);
  }

  /// Runs one queued job on the calling thread, which is not one of the
  /// pool's. False if nothing was queued (or the pool stopped); a job taken
  /// by a pool thread meanwhile also makes it false. An exception escaping
  /// the job terminates, as on a pool thread.
  bool run_one_queued() noexcept {
    if (!has_queued()) return false;
    return ctx_.poll_one() != 0;
  }

  /// Queued jobs will not start; running ones finish. Does not block.
  void stop() {
    {
      lock_guard hold(park_m_);
      stopped_.store(true, std::memory_order_seq_cst);
      park_cv_.notify_all();
    }
    guard_.reset();
    ctx_.stop();
  }

  /// Waits for every thread. Call stop() first (the destructor does).
  void join() {
    for (auto& t : threads_)
      if (t.joinable()) t.join();
  }

 private:
  void work() {
#if defined(__linux__)
    pthread_setname_np(pthread_self(), "flushcoord-strm");
#endif
    running_runtime_tasks here;
    bool ran_since_park = false;
    while (!stopped_.load(std::memory_order_relaxed)) {
      if (ctx_.poll_one() != 0) {  // ran one job
        ran_since_park = true;
        continue;
      }
      if (search()) continue;              // work arrived while searching
      ran_since_park = park(ran_since_park);
    }
  }

  /// True if a job was queued within the search window. Only one thread
  /// searches at a time, so an idle pool spins on at most one CPU.
  bool search() {
    if (search_spins_ == 0) return false;
    int expected = 0;
    if (!searching_.compare_exchange_strong(expected, 1, std::memory_order_seq_cst)) return false;
    bool found = false;
    for (unsigned i = 0; i < search_spins_; ++i) {
      if (queued_.load(std::memory_order_relaxed) != 0 || stopped_.load(std::memory_order_relaxed)) {
        found = true;
        break;
      }
      cpu_relax();  // sync.hpp
    }
    searching_.store(0, std::memory_order_seq_cst);
    // Every post that saw us searching woke nobody, and all of them are in
    // `queued` now (each counted itself before it looked at `searching_`).
    // We take one job; if there are more, wake the parked threads for them
    // — otherwise a second job waits behind ours, which may block for long.
    const std::size_t queued = queued_.load(std::memory_order_seq_cst);
    if (queued > 1) wake_all();
    return found || queued != 0;
  }

  /// Sleeps until a job is queued. A thread that ran a job since it last
  /// parked (and `on_call_timeout_` > 0) first sleeps *on call*: posts do
  /// not wake it, it looks at the queue by itself once the timeout passes,
  /// then sleeps until woken like the others. Returns false: the thread has
  /// not run a job since this park.
  bool park(bool ran_since_park) {
    lock_guard hold(park_m_);
    parked_.fetch_add(1, std::memory_order_seq_cst);
    // An on_call_timeout whose deadline would overflow does not put the
    // thread on call at all: on call for ever, it would leave a stream that
    // nobody helps with unstarted.
    const auto deadline = ran_since_park && on_call_timeout_.count() > 0
                              ? flushcoord::detail::deadline_after(clock_now(), on_call_timeout_)
                              : std::nullopt;
    if (deadline) {
      on_call_.fetch_add(1, std::memory_order_seq_cst);
      while (!job_or_stop() && park_cv_.wait_until(park_m_, *deadline)) {
      }
      // Dekker with post(): leave the on-call count, then re-read queued_. A
      // post that still saw us on call woke nobody; its job is counted by now.
      on_call_.fetch_sub(1, std::memory_order_seq_cst);
    }
    while (!job_or_stop()) park_cv_.wait(park_m_);
    parked_.fetch_sub(1, std::memory_order_seq_cst);
    // As after a search: jobs that woke nobody may be more than this one.
    if (queued_.load(std::memory_order_seq_cst) > 1 && parked_.load(std::memory_order_seq_cst) != 0)
      park_cv_.notify_all();
    return false;
  }

  /// A moving average over the last ~8 jobs; concurrent updates may lose
  /// one another's sample, which a heuristic can afford.
  void record_duration(nanoseconds took) noexcept {
    const std::int64_t avg = average_ns_.load(std::memory_order_relaxed);
    average_ns_.store(avg + (took.count() - avg) / 8, std::memory_order_relaxed);
  }

  bool job_or_stop() const noexcept {
    return queued_.load(std::memory_order_seq_cst) != 0 || stopped_.load(std::memory_order_seq_cst);
  }

  void wake_one() {
    lock_guard hold(park_m_);
    park_cv_.notify_one();
  }

  void wake_all() {
    if (parked_.load(std::memory_order_seq_cst) == 0) return;
    lock_guard hold(park_m_);
    park_cv_.notify_all();
  }

  boost::asio::io_context ctx_;
  boost::asio::executor_work_guard<boost::asio::io_context::executor_type> guard_{
      ctx_.get_executor()};
  const unsigned search_spins_;
  const nanoseconds on_call_timeout_;
  const nanoseconds short_job_;
  std::atomic<std::size_t> queued_{0};   // posted, not yet started
  std::atomic<int> searching_{0};        // 1 while a thread searches
  std::atomic<std::size_t> parked_{0};   // threads in park()
  std::atomic<std::size_t> on_call_{0};  // parked threads that wake by themselves
  std::atomic<std::int64_t> average_ns_{0};  // how long jobs take lately
  std::atomic<bool> stopped_{false};
  prod::mutex park_m_;
  prod::condvar park_cv_;
  std::vector<std::thread> threads_;  // last: threads start once the rest exists
};

}  // namespace flushcoord::prod::detail

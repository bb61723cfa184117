// flushcoord/prod/stream_pool.hpp — the prod runtime's own stream threads:
// a boost::asio::io_context run by N threads, one of which keeps looking
// for work for a short while before it sleeps.
//
//   flushcoord::prod::detail::stream_pool
//
// Why not boost::asio::thread_pool: its threads sleep in the scheduler as
// soon as the queue is empty, and every post wakes one of them. A
// coordinator posts one stream per flush, so each flush paid a thread
// wake-up — several microseconds on a VM, where a wake-up across CPUs is an
// interrupt through the hypervisor. Here, as in tokio's scheduler, at most
// one thread *searches*: after its last job it watches the queue for
// `search_spins` pause instructions (a few microseconds), and a post made
// meanwhile is picked up without any system call. The others *park* on a
// futex condvar and are woken only when nobody searches. Bounded: once the
// search ends, every thread sleeps and an idle pool uses no CPU.
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
#include <thread>
#include <utility>
#include <vector>

#if defined(__linux__)
#include <pthread.h>
#endif

#include <boost/asio/executor_work_guard.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/post.hpp>

#include <flushcoord/prod/sync.hpp>

namespace flushcoord::prod::detail {

class stream_pool {
 public:
  /// Starts `threads` (>= 1) threads. `search_spins` 0: no thread searches
  /// (every post wakes a parked thread, as thread_pool does).
  stream_pool(std::size_t threads, unsigned search_spins)
      : ctx_(static_cast<int>(threads)), search_spins_(search_spins) {
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
        job();
      });
    } catch (...) {
      // Nothing was queued: a count left up would keep idle threads from
      // ever parking (they would spin for a job that does not exist).
      queued_.fetch_sub(1, std::memory_order_relaxed);
      throw;
    }
    // Dekker with park(): a parker announces itself, then re-reads queued_.
    if (searching_.load(std::memory_order_seq_cst) == 0 &&
        parked_.load(std::memory_order_seq_cst) != 0)
      wake_one();
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
    while (!stopped_.load(std::memory_order_relaxed)) {
      if (ctx_.poll_one() != 0) continue;  // ran one job
      if (search()) continue;              // work arrived while searching
      park();
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

  void park() {
    lock_guard hold(park_m_);
    parked_.fetch_add(1, std::memory_order_seq_cst);
    while (queued_.load(std::memory_order_seq_cst) == 0 && !stopped_.load(std::memory_order_seq_cst))
      park_cv_.wait(park_m_);
    parked_.fetch_sub(1, std::memory_order_seq_cst);
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
  std::atomic<std::size_t> queued_{0};   // posted, not yet started
  std::atomic<int> searching_{0};        // 1 while a thread searches
  std::atomic<std::size_t> parked_{0};   // threads in park()
  std::atomic<bool> stopped_{false};
  prod::mutex park_m_;
  prod::condvar park_cv_;
  std::vector<std::thread> threads_;  // last: threads start once the rest exists
};

}  // namespace flushcoord::prod::detail

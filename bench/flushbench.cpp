// bench/flushbench.cpp — throughput of the coordinator on the prod runtime.
//
// The protocol of issue 5, exactly:
//   writer loop of N flushes: acquire a permit (blocking), rotate, spawn a
//   stream, keep the ticket. Each stream yields r % (K+1) times
//   (std::this_thread::yield), r drawn from a seeded xorshift64, and spins U
//   microseconds when U > 0. At the end: wait for every ticket, drain, shut
//   down, and check that finalize ran for exactly 0..N-1 in order; exit 1 if
//   not.
//
//   flushbench [--flushes N] [--max-pending P] [--workers W] [--stream-us U]
//              [--jitter K] [--seed S]
//
// stdout: one line, "flushes=N max_pending=P workers=W elapsed_s=X flushes_per_s=Y".
// stderr: threads, CPU seconds, peak RSS, context switches, streams the
// writer ran itself while it waited, out-of-order stream completions.
// Exit codes: 0 ok, 1 wrong finalize order or a failed flush, 2 bad options.
#include <atomic>
#include <chrono>
#include <cstdint>
#include <cstdio>
#include <thread>
#include <vector>

#include <flushcoord/coordinator.hpp>
#include <flushcoord/prod/runtime.hpp>

#include "common.hpp"

namespace fc = flushcoord;

namespace {

/// Finalize checks the order itself. Finalize calls never overlap and each
/// happens-before the next (engine.hpp), whichever task runs them, so plain
/// counters suffice; the main thread reads them after shutdown joined all.
struct bench_engine {
  using rotated_state = std::uint64_t;  // the writer's flush index
  using outcome = std::uint64_t;        // the stream echoes the index
  using snapshot_id = std::uint64_t;

  std::uint64_t next_expected = 0;
  std::uint64_t out_of_order = 0;

  fc::result<std::uint64_t> finalize(std::uint64_t seq, const std::uint64_t& index,
                                     std::uint64_t&& out) {
    if (seq != next_expected || index != seq || out != seq) ++out_of_order;
    next_expected = seq + 1;
    return seq;
  }
  void finalize_failure(std::uint64_t seq, const std::uint64_t&, const fc::flush_error&) {
    if (seq != next_expected) ++out_of_order;
    next_expected = seq + 1;
    ++failures;
  }
  std::uint64_t failures = 0;
};

using coordinator = fc::coordinator<fc::prod::runtime, bench_engine>;

/// Counts stream completions that came after a later flush's completion.
struct completion_order {
  std::atomic<std::uint64_t> highest{0};  // 1 + highest seq completed so far
  std::atomic<std::uint64_t> out_of_order{0};

  void completed(std::uint64_t seq) {
    std::uint64_t seen = highest.load(std::memory_order_relaxed);
    while (seen < seq + 1 &&
           !highest.compare_exchange_weak(seen, seq + 1, std::memory_order_relaxed)) {
    }
    if (seen > seq + 1) out_of_order.fetch_add(1, std::memory_order_relaxed);
  }
};

/// The runtime's count of streams run by blocked callers (here: the
/// writer); 0 for runtimes without one (bench/compare-flushbench builds
/// this file against older commits).
template <class Runtime>
std::uint64_t streams_run_by_callers(const Runtime& rt) {
  if constexpr (requires { rt.streams_run_by_callers(); })
    return rt.streams_run_by_callers();
  else
    return 0;
}

void spin_for(std::chrono::microseconds d) {
  const auto until = std::chrono::steady_clock::now() + d;
  while (std::chrono::steady_clock::now() < until) {
  }
}

}  // namespace

int main(int argc, char** argv) {
  bench::options opt("flushbench", {{"flushes", 200000},
                                    {"max-pending", 4},
                                    {"workers", 2},
                                    {"stream-us", 0},
                                    {"jitter", 3},
                                    {"seed", 1}});
  opt.parse(argc, argv);
  const std::uint64_t n = opt["flushes"];
  const std::uint64_t p = opt["max-pending"];
  const std::uint64_t w = opt["workers"];
  const std::uint64_t u = opt["stream-us"];
  const std::uint64_t k = opt["jitter"];
  if (n == 0) opt.fail("--flushes must be at least 1");
  if (p == 0) opt.fail("--max-pending must be at least 1");
  if (w == 0 || w > 1024) opt.fail("--workers must be in 1..1024");
  if (k >= (std::uint64_t{1} << 32)) opt.fail("--jitter must be below 2^32");

  completion_order completions;
  std::vector<coordinator::ticket_type> tickets;
  tickets.reserve(n);
  bench::xorshift64 rng(opt["seed"]);
  int threads_seen = 0;
  std::uint64_t run_by_writer = 0;
  std::uint64_t order_errors = 0, failures = 0, bad_tickets = 0;
  double elapsed = 0;
  {
    fc::prod::runtime rt({.stream_threads = w});
    coordinator coord(rt, bench_engine{}, {.max_pending_flushes = p});
    const auto start = std::chrono::steady_clock::now();
    for (std::uint64_t i = 0; i < n; ++i) {
      auto permit = coord.acquire_permit();
      if (!permit) opt.fail("acquire_permit failed: " + permit.error().message);
      auto rotated = coord.rotate(std::move(permit).value(), i);
      if (!rotated) opt.fail("rotate failed: " + rotated.error().message);
      const std::uint64_t yields = rng.next() % (k + 1);
      tickets.push_back(coord.spawn_stream(
          std::move(rotated).value(),
          [yields, u, &completions](const std::uint64_t& index,
                                    std::stop_token) -> fc::result<std::uint64_t> {
            for (std::uint64_t y = 0; y < yields; ++y) std::this_thread::yield();
            if (u > 0) spin_for(std::chrono::microseconds(u));
            completions.completed(index);
            return index;
          }));
    }
    threads_seen = bench::thread_count();
    for (std::uint64_t i = 0; i < n; ++i) {
      const auto r = tickets[i].wait();
      if (!r.ok() || r.value() != i) ++bad_tickets;
    }
    if (auto d = coord.drain(std::chrono::seconds(60)); !d.ok()) ++bad_tickets;
    coord.shutdown();
    elapsed = bench::seconds_since(start);
    order_errors = coord.engine().out_of_order + (coord.engine().next_expected != n);
    run_by_writer = streams_run_by_callers(rt);
    failures = coord.engine().failures;
  }
  std::printf("flushes=%llu max_pending=%llu workers=%llu elapsed_s=%.6f flushes_per_s=%.0f\n",
              (unsigned long long)n, (unsigned long long)p, (unsigned long long)w, elapsed,
              double(n) / elapsed);
  std::fprintf(stderr,
               "threads=%d cpu_s=%.3f peak_rss_kib=%ld context_switches=%ld "
               "streams_run_by_writer=%llu out_of_order_completions=%llu "
               "finalize_order_errors=%llu failed_flushes=%llu bad_tickets=%llu\n",
               threads_seen, bench::cpu_seconds(), bench::peak_rss_kib(),
               bench::context_switches(), (unsigned long long)run_by_writer,
               (unsigned long long)completions.out_of_order.load(),
               (unsigned long long)order_errors, (unsigned long long)failures,
               (unsigned long long)bad_tickets);
  if (order_errors != 0 || failures != 0 || bad_tickets != 0) {
    std::fprintf(stderr, "flushbench: finalize order was not exactly 0..%llu, or a flush failed\n",
                 (unsigned long long)(n - 1));
    return 1;
  }
  return 0;
}

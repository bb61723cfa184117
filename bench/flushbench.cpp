// bench/flushbench.cpp — throughput of the coordinator on the prod runtime.
//
// The protocol of issue 5, exactly:
//   writer loop of N flushes: acquire a permit, rotate, spawn a stream,
//   keep the ticket. Each stream yields r % (K+1) times
//   (std::this_thread::yield), r drawn from a seeded xorshift64, and spins U
//   microseconds when U > 0. At the end: wait for every ticket, drain, shut
//   down, and check that finalize ran for exactly 0..N-1 in order; exit 1 if
//   not.
//
//   flushbench [--writer blocking|coroutine] [--flushes N] [--max-pending P]
//              [--workers W] [--stream-us U] [--jitter K] [--seed S]
//              [--metrics 0|1] [--listener 0|1]
//
// --metrics 1 sets options::collect_metrics; --listener 1 installs a
// listener that only counts. Both off (the default) is every figure of
// docs/performance.md; on, they measure what observing costs.
//
// --writer (issue 12):
//   blocking   the writer is the main thread, blocked in acquire_permit()
//              and ticket::wait(); streams run on the runtime's own pool of
//              W threads (the default).
//   coroutine  the writer is a C++20 coroutine on an io_context run by W
//              threads, which also run the streams (prod::runtime over that
//              executor): it awaits async_acquire_permit and
//              ticket::async_wait, suspended rather than blocked, like the
//              tokio peer's writer task. Both keep every guarantee: no
//              caller's thread ever runs a stream.
//
// stdout: one line, "writer=... flushes=N max_pending=P workers=W elapsed_s=X
// flushes_per_s=Y latency_p50_us=.. latency_p99_us=.. stall_s=..", where
// latency is rotate to finalize (the ticket resolves right after) and
// stall_s is the time the writer spent waiting for permits.
// stderr: threads, CPU seconds, peak RSS, context switches, streams the
// writer ran itself while it waited, out-of-order stream completions.
// Exit codes: 0 ok, 1 wrong finalize order or a failed flush, 2 bad options.
#include <algorithm>
#include <atomic>
#include <chrono>
#include <cstdint>
#include <cstdio>
#include <future>
#include <memory>
#include <string>
#include <string_view>
#include <thread>
#include <utility>  // before Boost.Asio 1.74's awaitable.hpp, which misses it
#include <vector>

#include <boost/asio/co_spawn.hpp>
#include <boost/asio/executor_work_guard.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/asio/use_future.hpp>

#include <flushcoord/coordinator.hpp>
#include <flushcoord/listener.hpp>
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
  /// When each flush was finalized (steady_clock ns), for the latency
  /// figures; sized by the writer before the first flush.
  std::vector<std::int64_t>* finalized_at = nullptr;

  fc::result<std::uint64_t> finalize(std::uint64_t seq, const std::uint64_t& index,
                                     std::uint64_t&& out) {
    if (seq != next_expected || index != seq || out != seq) ++out_of_order;
    next_expected = seq + 1;
    if (seq < finalized_at->size()) (*finalized_at)[seq] = now_ns();
    return seq;
  }
  static std::int64_t now_ns() {
    return std::chrono::duration_cast<std::chrono::nanoseconds>(
               std::chrono::steady_clock::now().time_since_epoch())
        .count();
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

/// The run's settings and what a writer measured.
struct settings {
  std::uint64_t n, p, w, u, k, seed;
  bool metrics = false, listener = false;
};

/// --listener 1: the cheapest listener there is, so the figure is the
/// coordinator's cost of queueing and delivering, not the listener's.
struct counting_listener : flushcoord::event_listener {
  std::uint64_t events = 0;
  void on_event(const flushcoord::listener_event&) override { ++events; }
};

flushcoord::options coordinator_options(const settings& s) {
  return {.max_pending_flushes = s.p,
          .listener = s.listener ? std::make_shared<counting_listener>() : nullptr,
          .collect_metrics = s.metrics};
}

struct measured {
  double elapsed = 0;
  double stall_s = 0;  // the writer waiting for permits
  int threads_seen = 0;
  std::uint64_t run_by_writer = 0, order_errors = 0, failures = 0, bad_tickets = 0;
};

/// The stream of flush `index`: yields, spins, records its completion.
auto make_stream(std::uint64_t yields, std::uint64_t u, completion_order& completions) {
  return [yields, u, &completions](const std::uint64_t& index, std::stop_token) -> fc::result<std::uint64_t> {
    for (std::uint64_t y = 0; y < yields; ++y) std::this_thread::yield();
    if (u > 0) spin_for(std::chrono::microseconds(u));
    completions.completed(index);
    return index;
  };
}

/// What both writers do once the permit is theirs: rotate flush `i`, spawn
/// its stream, return its ticket. Exits 1 if the permit or rotate failed.
coordinator::ticket_type rotate_and_spawn(coordinator& coord, const char* acquired_by,
                                          fc::result<coordinator::permit> permit, std::uint64_t i,
                                          std::uint64_t yields, std::uint64_t u, completion_order& completions,
                                          std::vector<std::int64_t>& rotated_at) {
  if (!permit) std::fprintf(stderr, "%s failed: %s\n", acquired_by, permit.error().message.c_str()), std::exit(1);
  rotated_at[i] = bench_engine::now_ns();
  auto rotated = coord.rotate(std::move(permit).value(), i);
  if (!rotated) std::fprintf(stderr, "rotate failed: %s\n", rotated.error().message.c_str()), std::exit(1);
  return coord.spawn_stream(std::move(rotated).value(), make_stream(yields, u, completions));
}

double seconds(std::chrono::steady_clock::duration d) { return std::chrono::duration<double>(d).count(); }

/// After the writer: drain, shut down, read the engine's verdict.
void finish(coordinator& coord, const settings& s, measured& m) {
  if (auto d = coord.drain(std::chrono::seconds(60)); !d.ok()) ++m.bad_tickets;
  coord.shutdown();
  m.order_errors = coord.engine().out_of_order + (coord.engine().next_expected != s.n);
  m.failures = coord.engine().failures;
}

/// The blocking writer: the main thread, streams on the owned pool.
void run_blocking(const settings& s, completion_order& completions, std::vector<std::int64_t>& rotated_at,
                  std::vector<std::int64_t>& finalized_at, measured& m) {
  std::vector<coordinator::ticket_type> tickets;
  tickets.reserve(s.n);
  bench::xorshift64 rng(s.seed);
  fc::prod::runtime rt({.stream_threads = s.w});
  coordinator coord(rt, bench_engine{.finalized_at = &finalized_at}, coordinator_options(s));
  const auto start = std::chrono::steady_clock::now();
  std::chrono::steady_clock::duration stalled{};
  for (std::uint64_t i = 0; i < s.n; ++i) {
    const auto asked = std::chrono::steady_clock::now();
    auto permit = coord.acquire_permit();
    stalled += std::chrono::steady_clock::now() - asked;
    tickets.push_back(rotate_and_spawn(coord, "acquire_permit", std::move(permit), i, rng.next() % (s.k + 1), s.u,
                                       completions, rotated_at));
  }
  m.threads_seen = bench::thread_count();
  for (std::uint64_t i = 0; i < s.n; ++i) {
    const auto r = tickets[i].wait();
    if (!r.ok() || r.value() != i) ++m.bad_tickets;
  }
  finish(coord, s, m);
  m.elapsed = bench::seconds_since(start);
  m.stall_s = seconds(stalled);
  m.run_by_writer = streams_run_by_callers(rt);
}

/// The coroutine writer: the same loop, awaiting instead of blocking.
boost::asio::awaitable<void> coroutine_writer(coordinator& coord, const settings& s, completion_order& completions,
                                              std::vector<std::int64_t>& rotated_at, measured& m) {
  namespace asio = boost::asio;
  std::vector<coordinator::ticket_type> tickets;
  tickets.reserve(s.n);
  bench::xorshift64 rng(s.seed);
  std::chrono::steady_clock::duration stalled{};
  for (std::uint64_t i = 0; i < s.n; ++i) {
    const auto asked = std::chrono::steady_clock::now();
    auto permit = co_await coord.async_acquire_permit(asio::use_awaitable);
    stalled += std::chrono::steady_clock::now() - asked;
    tickets.push_back(rotate_and_spawn(coord, "async_acquire_permit", std::move(permit), i, rng.next() % (s.k + 1), s.u,
                                       completions, rotated_at));
  }
  m.threads_seen = bench::thread_count();
  for (std::uint64_t i = 0; i < s.n; ++i) {
    const auto r = co_await tickets[i].async_wait(asio::use_awaitable);
    if (!r.ok() || r.value() != i) ++m.bad_tickets;
  }
  m.stall_s = seconds(stalled);
}

void run_coroutine(const settings& s, completion_order& completions, std::vector<std::int64_t>& rotated_at,
                   std::vector<std::int64_t>& finalized_at, measured& m) {
  namespace asio = boost::asio;
  asio::io_context ctx(static_cast<int>(s.w));
  auto work = asio::make_work_guard(ctx);
  std::vector<std::thread> threads;
  for (std::uint64_t i = 0; i < s.w; ++i) threads.emplace_back([&ctx] { ctx.run(); });
  {
    fc::prod::runtime rt(ctx.get_executor());
    coordinator coord(rt, bench_engine{.finalized_at = &finalized_at}, coordinator_options(s));
    const auto start = std::chrono::steady_clock::now();
    auto done = asio::co_spawn(ctx, coroutine_writer(coord, s, completions, rotated_at, m), asio::use_future);
    done.get();
    finish(coord, s, m);
    m.elapsed = bench::seconds_since(start);
  }
  work.reset();
  for (auto& t : threads) t.join();
}

/// The q-quantile of rotate-to-finalize latencies, in microseconds.
double latency_us(const std::vector<std::int64_t>& rotated_at, const std::vector<std::int64_t>& finalized_at,
                  double q) {
  std::vector<std::int64_t> lat(rotated_at.size());
  for (std::size_t i = 0; i < lat.size(); ++i) lat[i] = finalized_at[i] - rotated_at[i];
  if (lat.empty()) return 0;
  const std::size_t at = std::min(lat.size() - 1, static_cast<std::size_t>(q * static_cast<double>(lat.size())));
  std::nth_element(lat.begin(), lat.begin() + static_cast<std::ptrdiff_t>(at), lat.end());
  return static_cast<double>(lat[at]) / 1000.0;
}

}  // namespace

int main(int argc, char** argv) {
  // --writer takes a word; bench::options takes numbers. Take it out first.
  std::string writer = "blocking";
  std::vector<char*> rest{argv[0]};
  for (int i = 1; i < argc; ++i) {
    if (std::string_view(argv[i]) != "--writer") {
      rest.push_back(argv[i]);
      continue;
    }
    if (i + 1 >= argc) {
      std::fprintf(stderr, "flushbench: option '--writer' needs a value: blocking or coroutine\n");
      return bench::exit_usage;
    }
    writer = argv[++i];
    if (writer != "blocking" && writer != "coroutine") {
      std::fprintf(stderr, "flushbench: --writer must be blocking or coroutine, got '%s'\n", writer.c_str());
      return bench::exit_usage;
    }
  }
  bench::options opt("flushbench", {{"flushes", 200000},
                                    {"max-pending", 4},
                                    {"workers", 2},
                                    {"stream-us", 0},
                                    {"jitter", 3},
                                    {"seed", 1},
                                    {"metrics", 0},
                                    {"listener", 0}});
  opt.parse(static_cast<int>(rest.size()), rest.data());
  if (opt["metrics"] > 1) opt.fail("--metrics must be 0 or 1");
  if (opt["listener"] > 1) opt.fail("--listener must be 0 or 1");
  const settings s{opt["flushes"], opt["max-pending"], opt["workers"], opt["stream-us"], opt["jitter"], opt["seed"],
                   opt["metrics"] == 1, opt["listener"] == 1};
  if (s.n == 0) opt.fail("--flushes must be at least 1");
  if (s.p == 0) opt.fail("--max-pending must be at least 1");
  if (s.w == 0 || s.w > 1024) opt.fail("--workers must be in 1..1024");
  if (s.k >= (std::uint64_t{1} << 32)) opt.fail("--jitter must be below 2^32");

  completion_order completions;
  std::vector<std::int64_t> rotated_at(s.n), finalized_at(s.n);
  measured m;
  if (writer == "coroutine")
    run_coroutine(s, completions, rotated_at, finalized_at, m);
  else
    run_blocking(s, completions, rotated_at, finalized_at, m);
  std::printf(
      "writer=%s flushes=%llu max_pending=%llu workers=%llu elapsed_s=%.6f flushes_per_s=%.0f "
      "latency_p50_us=%.1f latency_p99_us=%.1f stall_s=%.3f\n",
      writer.c_str(), (unsigned long long)s.n, (unsigned long long)s.p, (unsigned long long)s.w, m.elapsed,
      double(s.n) / m.elapsed, latency_us(rotated_at, finalized_at, 0.50), latency_us(rotated_at, finalized_at, 0.99),
      m.stall_s);
  std::fprintf(stderr,
               "threads=%d cpu_s=%.3f peak_rss_kib=%ld context_switches=%ld "
               "streams_run_by_writer=%llu out_of_order_completions=%llu "
               "finalize_order_errors=%llu failed_flushes=%llu bad_tickets=%llu\n",
               m.threads_seen, bench::cpu_seconds(), bench::peak_rss_kib(), bench::context_switches(),
               (unsigned long long)m.run_by_writer, (unsigned long long)completions.out_of_order.load(),
               (unsigned long long)m.order_errors, (unsigned long long)m.failures, (unsigned long long)m.bad_tickets);
  if (m.order_errors != 0 || m.failures != 0 || m.bad_tickets != 0) {
    std::fprintf(stderr, "flushbench: finalize order was not exactly 0..%llu, or a flush failed\n",
                 (unsigned long long)(s.n - 1));
    return 1;
  }
  return 0;
}

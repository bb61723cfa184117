// bench/simbench.cpp — how fast the simulator runs, and what a ticket costs.
//
//   simbench [--seconds T] [--series-max N] [--ticket-flushes M] [--exhaustive 0|1]
//            [--decisions 0|1] [--scenarios 0|1]   (0 skips that part, for profiling)
//
// Prints one key=value line per figure (stdout):
//   decisions_per_s=...            raw scheduling decisions: 4 tasks contending
//                                  on one sim mutex and yielding
//   standard_scenarios_per_s=...   complete runs of the standard scenario (16
//                                  flushes, 4 permits, faults on), every §5
//                                  property checked, a new schedule seed each
//   campaign_scenarios_per_s=...   the default campaign (flushsim run): seed s
//                                  is generate(s), whole-API workload and the
//                                  polite writer side by side, and their ratio
//   exhaustive_schedules_per_s=... whole explorations of the explorer's fixed
//                                  scenario (properties/explore.hpp), when built
//   peak_rss_kib=...               after the measurements above
//   ticket_bytes=...               heap + handle bytes per outstanding ticket on
//                                  the prod runtime, beyond the snapshot id
//   series=sim flushes=N ...       cost per flush of one long run, N = 10^3..
// The simulator is single-threaded: every figure is per core.
#include <chrono>
#include <cstdint>
#include <cstdio>
#include <string>
#include <vector>

#include <flushcoord/coordinator.hpp>
#include <flushcoord/prod/runtime.hpp>
#include <flushcoord/properties/run_scenario.hpp>
#if __has_include(<flushcoord/properties/explore.hpp>)
#include <flushcoord/properties/explore.hpp>
#define SIMBENCH_HAS_EXPLORER 1
#endif
#include <flushcoord/sim/runtime.hpp>
#include <flushcoord/sim/simulator.hpp>
#include <flushcoord/sim/stack_pool.hpp>

#include "alloc_counter.hpp"
#include "common.hpp"

namespace fc = flushcoord;
namespace fp = flushcoord::properties;
namespace fs = flushcoord::sim;

using clock_type = std::chrono::steady_clock;

namespace {

constexpr std::int64_t us = 1000;
constexpr std::int64_t ms = 1000 * us;

// ---- decisions per second ----------------------------------------------------

/// Four tasks, each `rounds` times: lock, bump, unlock, yield. Nearly every
/// scheduling point has two or more runnable tasks, so is a decision.
fs::run_result contended_run(fs::simulator& sim, int rounds) {
  return sim.run([rounds] {
    fs::runtime rt;
    fs::mutex m;
    std::uint64_t shared = 0;
    std::vector<fs::task_handle> tasks;
    for (int t = 0; t < 4; ++t)
      tasks.push_back(rt.spawn(fc::task_kind::stream, "worker", [&] {
        for (int i = 0; i < rounds; ++i) {
          m.lock();
          ++shared;
          m.unlock();
          rt.yield();
        }
      }));
    for (auto& h : tasks) h.join();
  });
}

void measure_decisions(double seconds, fs::stack_pool& stacks) {
  std::uint64_t decisions = 0, steps = 0, runs = 0;
  const auto start = clock_type::now();
  double elapsed = 0;
  while (elapsed < seconds) {
    fs::simulator sim({.seed = runs, .stacks = &stacks});
    const fs::run_result r = contended_run(sim, 10000);
    if (!r.ok()) {
      std::fprintf(stderr, "simbench: contended run failed: %s\n", r.failed->message.c_str());
      std::exit(1);
    }
    decisions += r.decisions;
    steps += r.steps;
    ++runs;
    elapsed = bench::seconds_since(start);
  }
  std::printf("decisions_per_s=%.0f steps_per_s=%.0f runs=%llu elapsed_s=%.3f\n",
              double(decisions) / elapsed, double(steps) / elapsed, (unsigned long long)runs,
              elapsed);
}

// ---- the standard scenario -----------------------------------------------------

/// 16 flushes, 4 permits, every fault kind present, a stream timeout, a
/// drain and a concurrent shutdown: written out, not drawn, so that every
/// build measures the same work.
fp::scenario standard_scenario() {
  using fp::fault;
  constexpr fault pattern[16] = {
      fault::none,           fault::none,         fault::stream_error,   fault::none,
      fault::stream_throw,   fault::none,         fault::stream_stall,   fault::none,
      fault::finalize_error, fault::none,         fault::abandon,        fault::none,
      fault::inline_submit,  fault::finalize_throw, fault::stream_hang, fault::rotate_error,
  };
  fp::scenario s;
  s.max_pending = 4;
  s.stream_timeout_ns = 4 * ms;
  s.writer_gap_ns = 100 * us;
  for (std::size_t i = 0; i < 16; ++i) {
    fp::flush_plan p;
    p.stream_ns = static_cast<std::int64_t>((i * 7919) % 3000) * us;
    p.what = pattern[i];
    p.drop_ticket = i % 4 == 3;
    p.commit_path = i % 3 == 1;
    s.flushes.push_back(p);
  }
  s.drains.push_back({5 * ms, 10 * ms});
  s.shutdowns.push_back({30 * ms, 0});
  return s;
}

void measure_scenarios(double seconds, fs::stack_pool& stacks) {
  const fp::scenario sc = standard_scenario();
  std::uint64_t runs = 0, failures = 0, decisions = 0;
  const auto start = clock_type::now();
  double elapsed = 0;
  while (elapsed < seconds) {
    for (int batch = 0; batch < 64; ++batch) {
      fs::simulator sim({.seed = runs, .stacks = &stacks});
      const fp::scenario_outcome out = fp::run_scenario(sc, sim);
      if (!out.ok()) {
        if (failures == 0)
          std::fprintf(stderr, "simbench: standard scenario failed at seed %llu: %s\n",
                       (unsigned long long)runs, out.describe().c_str());
        ++failures;
      }
      decisions += out.run.decisions;
      ++runs;
    }
    elapsed = bench::seconds_since(start);
  }
  std::printf(
      "standard_scenarios_per_s=%.0f flushes=16 max_pending=4 faults=on runs=%llu failures=%llu "
      "decisions_per_run=%.1f elapsed_s=%.3f\n",
      double(runs) / elapsed, (unsigned long long)runs, (unsigned long long)failures,
      double(decisions) / double(runs), elapsed);
  if (failures != 0) std::exit(1);
}

/// The default campaign as `flushsim run` runs it: seed s is scenario
/// generate(s) on a random walk seeded s, every property checked. The
/// whole-API workload and the polite writer (generator_options::whole_api
/// off) alternate in slices of 256 seeds over the same seeds, so both see
/// the same machine state: the ratio is the richer workload's cost.
void measure_campaign(double seconds, fs::stack_pool& stacks) {
  struct side {
    bool whole_api;
    std::uint64_t runs = 0, failures = 0, steps = 0;
    double elapsed = 0;
  };
  side sides[2] = {{true}, {false}};
  std::uint64_t next_seed = 0;
  while (sides[0].elapsed + sides[1].elapsed < seconds) {
    for (side& sd : sides) {
      fp::generator_options g;
      g.whole_api = sd.whole_api;
      const auto start = clock_type::now();
      for (std::uint64_t seed = next_seed; seed < next_seed + 256; ++seed) {
        fs::simulator sim({.seed = seed, .stacks = &stacks});
        const fp::scenario_outcome out = fp::run_scenario(fp::generate(seed, g), sim);
        if (!out.ok()) {
          if (sd.failures == 0)
            std::fprintf(stderr, "simbench: campaign seed %llu failed: %s\n", (unsigned long long)seed,
                         out.describe().c_str());
          ++sd.failures;
        }
        sd.steps += out.run.steps;
        ++sd.runs;
      }
      sd.elapsed += bench::seconds_since(start);
    }
    next_seed += 256;
  }
  for (const side& sd : sides)
    std::printf("campaign_scenarios_per_s=%.0f workload=%s runs=%llu failures=%llu steps_per_run=%.1f elapsed_s=%.3f\n",
                double(sd.runs) / sd.elapsed, sd.whole_api ? "whole_api" : "polite_writer",
                (unsigned long long)sd.runs, (unsigned long long)sd.failures,
                double(sd.steps) / double(sd.runs), sd.elapsed);
  std::printf("campaign_whole_api_cost=%.2fx (polite writer seeds/s over whole-API seeds/s)\n",
              (double(sides[1].runs) / sides[1].elapsed) / (double(sides[0].runs) / sides[0].elapsed));
  if (sides[0].failures + sides[1].failures != 0) std::exit(1);
}

// ---- exhaustive exploration ------------------------------------------------------

/// The explorer's fixed scenario (properties/explore.hpp) at its defaults:
/// 3 flushes, 2 permits, one drain, one shutdown, preemption bound 2, sleep
/// sets (--por sleep-sets, so the figure stays comparable with earlier
/// ones). Its whole space is ~2 M schedules (a minute here), so each
/// exploration stops after 100,000 schedules; repeated for `seconds`.
void measure_exhaustive(double seconds) {
#if defined(SIMBENCH_HAS_EXPLORER)
  fp::explore_options opts;
  opts.por = flushcoord::sim::por_mode::sleep_sets;
  opts.schedules_max = 100'000;
  std::uint64_t schedules = 0, explorations = 0;
  bool violation = false;
  const auto start = clock_type::now();
  double elapsed = 0;
  while (elapsed < seconds) {
    const fp::exploration e = fp::explore_schedules(opts);
    schedules += e.result.stats.schedules;
    violation = violation || e.failing.has_value();
    ++explorations;
    elapsed = bench::seconds_since(start);
  }
  std::printf("exhaustive_schedules_per_s=%.0f flushes=%zu max_pending=%zu preemption_bound=%u "
              "schedules_per_exploration=%.0f explorations=%llu violation=%s elapsed_s=%.3f\n",
              double(schedules) / elapsed, opts.flushes, opts.max_pending, opts.preemption_bound,
              double(schedules) / double(explorations), (unsigned long long)explorations,
              violation ? "yes" : "no", elapsed);
#else
  (void)seconds;
  std::printf("exhaustive_schedules_per_s=n/a (explorer not built)\n");
#endif
}

// ---- bytes per outstanding ticket (prod) -------------------------------------

struct ticket_engine {
  using rotated_state = std::uint64_t;
  using outcome = std::uint64_t;
  using snapshot_id = std::uint64_t;
  fc::result<std::uint64_t> finalize(std::uint64_t seq, const std::uint64_t&, std::uint64_t&&) {
    return seq;
  }
  void finalize_failure(std::uint64_t, const std::uint64_t&, const fc::flush_error&) {}
};

/// Runs `flushes` flushes on the prod runtime keeping every ticket, and
/// divides the heap growth (after every flush finished) by their number.
void measure_ticket_bytes(std::uint64_t flushes) {
  using coordinator = fc::coordinator<fc::prod::runtime, ticket_engine>;
  fc::prod::runtime rt({.stream_threads = 2});
  coordinator coord(rt, ticket_engine{}, {.max_pending_flushes = 4});
  std::vector<coordinator::ticket_type> tickets;
  tickets.reserve(flushes);
  // Warm up: the runtime's and the coordinator's buffers reach their
  // steady size, so the growth measured below is the tickets' alone.
  for (int round = 0; round < 2; ++round) {
    std::vector<coordinator::ticket_type> warm;
    for (int i = 0; i < 1000; ++i) {
      auto rf = coord.rotate(coord.acquire_permit().value(), 0).value();
      warm.push_back(coord.spawn_stream(std::move(rf), [](const std::uint64_t& v, std::stop_token)
                                                           -> fc::result<std::uint64_t> { return v; }));
    }
    (void)coord.drain(std::chrono::seconds(60));
  }
  const bench::alloc::snapshot before = bench::alloc::live();
  for (std::uint64_t i = 0; i < flushes; ++i) {
    auto rf = coord.rotate(coord.acquire_permit().value(), i).value();
    tickets.push_back(coord.spawn_stream(
        std::move(rf),
        [](const std::uint64_t& v, std::stop_token) -> fc::result<std::uint64_t> { return v; }));
  }
  for (auto& t : tickets) (void)t.wait();
  (void)coord.drain(std::chrono::seconds(60));
  const bench::alloc::snapshot after = bench::alloc::live();
  const double heap = double(after.chunks - before.chunks) / double(flushes);
  const double blocks = double(after.blocks - before.blocks) / double(flushes);
  const double handle = sizeof(coordinator::ticket_type);
  const double payload = sizeof(std::uint64_t);
  std::printf(
      "ticket_bytes=%.1f heap_bytes_per_ticket=%.1f heap_blocks_per_ticket=%.2f handle_bytes=%.0f "
      "payload_bytes=%.0f tickets=%llu target_bytes=64\n",
      heap + handle - payload, heap, blocks, handle, payload, (unsigned long long)flushes);
  coord.shutdown();
}

// ---- cost per flush in the simulator -------------------------------------------

/// N fault-free flushes, 4 permits, streams of 0..3 ms: one long run with
/// every property checked, as the campaign runs it.
fp::scenario long_scenario(std::uint64_t n) {
  fp::scenario s;
  s.max_pending = 4;
  bench::xorshift64 rng(n);
  s.flushes.reserve(n);
  for (std::uint64_t i = 0; i < n; ++i) {
    fp::flush_plan p;
    p.stream_ns = static_cast<std::int64_t>(rng.next() % (3 * ms));
    s.flushes.push_back(p);
  }
  return s;
}

void measure_series(std::uint64_t max_n, fs::stack_pool& stacks) {
  for (std::uint64_t n = 1000; n <= max_n; n *= 10) {
    const fp::scenario sc = long_scenario(n);
    fs::simulator sim({.seed = n, .steps_max = 400 * n + 1'000'000, .stacks = &stacks});
    const auto start = clock_type::now();
    const fp::scenario_outcome out = fp::run_scenario(sc, sim);
    const double elapsed = bench::seconds_since(start);
    if (!out.ok()) {
      std::fprintf(stderr, "simbench: series run of %llu flushes failed: %s\n",
                   (unsigned long long)n, out.describe().c_str());
      std::exit(1);
    }
    std::printf("series=sim flushes=%llu elapsed_s=%.4f ns_per_flush=%.0f steps_per_flush=%.1f "
                "peak_rss_kib=%ld\n",
                (unsigned long long)n, elapsed, elapsed * 1e9 / double(n),
                double(out.run.steps) / double(n), bench::peak_rss_kib());
    std::fflush(stdout);
  }
}

}  // namespace

int main(int argc, char** argv) {
  bench::options opt("simbench", {{"seconds", 2}, {"series-max", 1000000}, {"ticket-flushes", 100000},
                                   {"exhaustive", 1}, {"decisions", 1}, {"scenarios", 1}});
  opt.parse(argc, argv);
  const double seconds = double(opt["seconds"]);
  if (seconds <= 0) opt.fail("--seconds must be at least 1");

  fs::stack_pool stacks(fs::stack_pool::default_size());
  if (opt["decisions"] != 0) measure_decisions(seconds, stacks);
  std::fflush(stdout);
  if (opt["scenarios"] != 0) measure_scenarios(seconds, stacks);
  if (opt["scenarios"] != 0) measure_campaign(seconds, stacks);
  if (opt["exhaustive"] != 0) measure_exhaustive(seconds);
  std::fflush(stdout);
  std::printf("peak_rss_kib=%ld\n", bench::peak_rss_kib());
  std::fflush(stdout);
  if (opt["ticket-flushes"] != 0) measure_ticket_bytes(opt["ticket-flushes"]);
  std::fflush(stdout);
  measure_series(opt["series-max"], stacks);
  return 0;
}

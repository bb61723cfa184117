// sim/flushsim/campaign.cpp
#include "campaign.hpp"

#include <algorithm>
#include <atomic>
#include <chrono>
#include <condition_variable>
#include <exception>
#include <mutex>
#include <thread>

#include <fmt/format.h>

#include "progress.hpp"
#include "seed_runner.hpp"

namespace flushsim {

namespace {

namespace fp = flushcoord::properties;
namespace fs = flushcoord::sim;
using wall_clock = std::chrono::steady_clock;  // throughput and budget only

static_assert(flushcoord::coverage::enabled,
              "flushsim counts coverage marks: build it with FLUSHCOORD_ENABLE_COVERAGE_MARKS "
              "(it comes with flushcoord_properties)");

/// What one thread did; merged after all threads have joined.
struct worker_totals {
  std::uint64_t seeds = 0;
  std::uint64_t steps = 0;
  std::uint64_t decisions = 0;
  std::uint64_t index_end = 0;  // one past the highest seed index it ran
  guarantee_stats guarantees;
  std::array<std::uint64_t, flushcoord::coverage::mark_count> seeds_per_mark{};
  std::vector<std::pair<std::uint64_t, seed_failure>> failures;  // (index, failure)
  std::exception_ptr error;
};

struct shared_state {
  shared_state(const campaign_options& o, shard_seeds s) : opts(o), seeds(s), limit(s.size()) {}

  const campaign_options& opts;
  shard_seeds seeds;
  std::atomic<std::uint64_t> next{0};
  std::atomic<std::uint64_t> limit;  // seed indices >= limit are not handed out
  std::atomic<std::uint64_t> done{0};
  std::atomic<std::uint64_t> failed{0};
  std::atomic<bool> out_of_time{false};
  std::optional<wall_clock::time_point> deadline;

  std::mutex m;  // guards workers_left, for the progress loop's wait
  std::condition_variable all_done;
  unsigned workers_left = 0;
};

void lower_limit(std::atomic<std::uint64_t>& limit, std::uint64_t to) {
  std::uint64_t cur = limit.load();
  while (to < cur && !limit.compare_exchange_weak(cur, to)) {
  }
}

seed_failure failure_of(std::uint64_t seed, const fp::scenario_outcome& out) {
  seed_failure f{seed, *out.run.failed, {}};
  if (out.violated) f.property = out.violated->property;
  return f;
}

std::string outcome_word(const fp::scenario_outcome& out) {
  return out.ok() ? "ok" : std::string(fs::to_string(out.run.failed->what));
}

/// Compares two runs of the same seed; a difference is nondeterminism.
std::optional<seed_failure> compare_runs(std::uint64_t seed, const fp::scenario_outcome& a,
                                         const fp::scenario_outcome& b) {
  const bool same = a.run.decision_hash == b.run.decision_hash && a.run.event_hash == b.run.event_hash &&
                    a.describe() == b.describe();
  if (same) return std::nullopt;
  const std::string msg = fmt::format(
      "seed {} ran twice with different results: decision hash {:016x} then {:016x}, event hash {:016x} "
      "then {:016x}, outcome {} then {}",
      seed, a.run.decision_hash, b.run.decision_hash, a.run.event_hash, b.run.event_hash, outcome_word(a),
      outcome_word(b));
  return seed_failure{seed, fs::failure{fs::failure_class::nondeterminism, msg, {}}, {}};
}

/// Runs one seed (twice with check_determinism); returns its failure.
std::optional<seed_failure> run_seed(seed_runner& runner, std::uint64_t seed, const campaign_options& opts,
                                     worker_totals& totals) {
  const fp::scenario sc = scenario_for(opts.generator, opts.strategy, seed);
  const fp::scenario_outcome out = runner.run(sc, seed);
  totals.steps += out.run.steps;
  totals.decisions += out.run.decisions;
  if (const auto g = runner.last_guarantee()) totals.guarantees.add(*g);
  const flushcoord::coverage::hit_set& marks = runner.last_marks();
  for (std::size_t m = 0; m < marks.size(); ++m) totals.seeds_per_mark[m] += marks[m] ? 1 : 0;
  if (opts.check_determinism) {
    const fp::scenario_outcome again = runner.run(sc, seed);
    totals.steps += again.run.steps;
    totals.decisions += again.run.decisions;
    if (auto f = compare_runs(seed, out, again)) return f;
  }
  if (out.ok()) return std::nullopt;
  return failure_of(seed, out);
}

void work(shared_state& st, worker_totals& totals) {
  seed_runner runner(st.opts.strategy);
  for (;;) {
    if (st.deadline && wall_clock::now() >= *st.deadline) {
      st.out_of_time = true;
      return;
    }
    const std::uint64_t i = st.next.fetch_add(1);
    if (i >= st.limit.load()) return;
    if (auto f = run_seed(runner, st.seeds.at(i), st.opts, totals)) {
      totals.failures.emplace_back(i, std::move(*f));
      st.failed.fetch_add(1, std::memory_order_relaxed);
      if (st.opts.stop_on_first) lower_limit(st.limit, i + 1);
    }
    ++totals.seeds;
    totals.index_end = i + 1;
    st.done.fetch_add(1, std::memory_order_relaxed);
  }
}

void work_guarded(shared_state& st, worker_totals& totals) {
  try {
    work(st, totals);
  } catch (...) {
    totals.error = std::current_exception();
    st.limit = 0;  // the others stop at their next seed
  }
  const std::lock_guard lock(st.m);
  if (--st.workers_left == 0) st.all_done.notify_all();
}

/// Waits for the workers, drawing the progress line meanwhile.
void watch(shared_state& st, wall_clock::time_point start) {
  progress_line line(st.opts.progress);
  std::unique_lock lock(st.m);
  while (!st.all_done.wait_for(lock, progress_line::interval, [&] { return st.workers_left == 0; })) {
    const double elapsed = std::chrono::duration<double>(wall_clock::now() - start).count();
    line.update(st.done.load(), st.seeds.size(), st.failed.load(), elapsed);
  }
  line.finish();
}

void merge(std::vector<worker_totals>& workers, const shared_state& st, campaign_result& r) {
  std::vector<std::pair<std::uint64_t, seed_failure>> failures;
  std::uint64_t index_end = 0;
  for (auto& w : workers) {
    if (w.error) std::rethrow_exception(w.error);
    r.seeds_run += w.seeds;
    r.steps += w.steps;
    r.decisions += w.decisions;
    r.guarantees.merge(w.guarantees);
    for (std::size_t m = 0; m < r.seeds_per_mark.size(); ++m) r.seeds_per_mark[m] += w.seeds_per_mark[m];
    index_end = std::max(index_end, w.index_end);
    for (auto& f : w.failures) failures.push_back(std::move(f));
  }
  std::sort(failures.begin(), failures.end(), [](const auto& a, const auto& b) { return a.first < b.first; });
  if (st.opts.stop_on_first && failures.size() > 1) failures.resize(1);  // the lowest failing seed
  for (auto& [index, f] : failures) {
    ++r.failures_by_class[std::string(fs::to_string(f.failure.what))];
    if (!f.property.empty()) ++r.failures_by_property[f.property];
    r.failures.push_back(std::move(f));
  }
  if (index_end > 0) r.completed_through = st.seeds.at(index_end - 1);
}

}  // namespace

campaign_result run_campaign(const campaign_options& opts) {
  const auto start = wall_clock::now();
  shared_state st(opts, shard_seeds(opts.seeds, opts.part));
  if (opts.time_budget_s)
    st.deadline = start + std::chrono::duration_cast<wall_clock::duration>(std::chrono::duration<double>(*opts.time_budget_s));
  const unsigned jobs = std::max(1u, opts.jobs);
  std::vector<worker_totals> totals(jobs);
  st.workers_left = jobs;
  std::vector<std::thread> threads;
  threads.reserve(jobs);
  for (unsigned j = 0; j < jobs; ++j) threads.emplace_back([&st, &totals, j] { work_guarded(st, totals[j]); });
  watch(st, start);
  for (auto& t : threads) t.join();

  campaign_result r;
  r.seeds_planned = st.seeds.size();
  merge(totals, st, r);
  r.wall_s = std::chrono::duration<double>(wall_clock::now() - start).count();
  r.budget_exhausted = st.out_of_time && r.seeds_run < r.seeds_planned;
  r.stopped_on_failure = opts.stop_on_first && !r.failures.empty();
  return r;
}

}  // namespace flushsim

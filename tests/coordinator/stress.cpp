// coordinator_stress — many producer threads push flushes through one
// coordinator on the prod runtime with random faults, while other threads
// drain and read diagnostics, and finally several threads shut it down
// concurrently. At the end it checks that no ticket was lost, no permit
// leaked, and that the journal obeys the properties of SPEC §5.
//
//   coordinator_stress [--flushes N] [--threads T] [--permits P] [--seed S]
//
// Exit status 0 iff every check passed. The run's parameters are printed
// first so a failure can be rerun with the same fault plan (the thread
// interleaving, of course, differs from run to run).
//
// Faults, drawn per flush from the producer's own seeded stream:
//   ~2%    stream returns an error          -> stream_failed
//   ~1%    stream throws                    -> stream_threw
//   ~0.05% stream outlives stream_timeout   -> stream_timeout (it honours stop)
//   ~1%    rotated flush dropped unsubmitted-> abandoned
//   ~10%   inline submit instead of a stream (a tenth of them with an error)
//   ~1%    finalize returns an error        -> finalize_failed
//   ~0.5%  finalize throws                  -> finalize_failed
// Any flush may also end as shut_down (or, on a very slow machine,
// stream_timeout): the checks accept exactly the outcomes its fault allows.
#include <algorithm>
#include <atomic>
#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <memory>
#include <mutex>
#include <optional>
#include <random>
#include <stdexcept>
#include <stop_token>
#include <string>
#include <thread>
#include <vector>

#include <flushcoord/coordinator.hpp>
#include <flushcoord/prod/runtime.hpp>

namespace {

using namespace std::chrono_literals;
using flushcoord::errc;
using flushcoord::event_kind;
using flushcoord::flush_error;
using flushcoord::result;

struct config {
  std::uint64_t flushes = 100000;  // rotations to reach before shutting down
  unsigned threads = 6;            // producer threads
  std::size_t permits = 16;
  std::uint64_t seed = 1;
};

enum class fault : std::uint8_t {
  none, stream_error, stream_throw, stream_timeout, abandon, inline_ok, inline_error,
  finalize_error, finalize_throw,
};

fault draw_fault(std::mt19937_64& rng) {
  const auto x = std::uniform_int_distribution<int>(0, 9999)(rng);
  if (x < 200) return fault::stream_error;
  if (x < 300) return fault::stream_throw;
  if (x < 305) return fault::stream_timeout;
  if (x < 405) return fault::abandon;
  if (x < 1305) return fault::inline_ok;
  if (x < 1405) return fault::inline_error;
  if (x < 1505) return fault::finalize_error;
  if (x < 1555) return fault::finalize_throw;
  return fault::none;
}

struct payload {
  fault f = fault::none;
};

/// Per-sequence-number facts, written under the coordinator's lock (events)
/// or by the finalizer (calls); read after shutdown joined everything.
struct seq_record {
  std::uint8_t finalize_calls = 0;          // finalize + finalize_failure
  std::uint8_t shut_down_unfinalized = 0;
  std::uint8_t permit_released = 0;
  std::uint8_t tickets_resolved = 0;
  bool finalize_ended = false;
  bool released_before_finalize_end = false;
  std::optional<errc> failure_code;         // finalize_failure's error
  fault f = fault::none;
};

/// The engine's view of the run. on_event runs under the coordinator's lock
/// and finalize on the finalizer task without it, so the per-sequence
/// records have a lock of their own (`m`, always taken last).
struct journal {
  std::mutex m;
  std::vector<seq_record> records;  // guarded by m
  std::uint64_t failed_ends = 0;    // guarded by m: finalize_end with !ok
  std::uint64_t next_finalize = 0;
  std::uint64_t finalizing = 0;
  std::string last_manifest = "genesis";
  std::size_t permits = 0;
  std::size_t max_pending_seen = 0;
  std::atomic<bool> shutdown_returned{false};
  std::atomic<std::uint64_t> rotated{0};

  std::mutex violations_m;
  std::vector<std::string> violations;

  void violation(std::string what) {
    std::lock_guard<std::mutex> hold(violations_m);
    if (violations.size() < 20) violations.push_back(std::move(what));
  }
  seq_record& at(std::uint64_t seq) {
    if (seq >= records.size()) records.resize(seq + 1024);
    return records[seq];
  }
};

struct stress_engine {
  using rotated_state = payload;
  using outcome = std::uint64_t;  // the stream's echo of its sequence number
  using snapshot_id = std::string;

  journal* j;

  result<std::string> finalize(std::uint64_t seq, const payload& p, std::uint64_t&& echo) {
    enter(seq);
    if (echo != seq) j->violation("stream result of another flush finalized");
    std::string id;
    {
      std::lock_guard<std::mutex> hold(j->m);
      id = "m" + std::to_string(seq) + "<" + j->last_manifest;
      j->last_manifest = "m" + std::to_string(seq);
      --j->finalizing;
    }
    if (p.f == fault::finalize_throw) throw std::runtime_error("finalize throws");
    if (p.f == fault::finalize_error) return flush_error{errc::finalize_failed, {}, "refused"};
    return id;
  }

  void finalize_failure(std::uint64_t seq, const payload&, const flush_error& err) {
    enter(seq);
    {
      std::lock_guard<std::mutex> hold(j->m);
      --j->finalizing;
    }
    // Written by the finalizer only; read after shutdown joined it.
    failures.push_back({seq, err.code});
  }

  void on_event(const flushcoord::coordinator_event& e) {
    std::lock_guard<std::mutex> hold(j->m);
    switch (e.kind) {
      case event_kind::permit_acquired:
      case event_kind::permit_released:
        if (e.count > j->permits) j->violation("more permits available than exist");
        if (e.kind == event_kind::permit_released && e.seq != flushcoord::no_seq) {
          auto& r = j->at(e.seq);
          ++r.permit_released;
          if (!r.finalize_ended && r.shut_down_unfinalized == 0) r.released_before_finalize_end = true;
        }
        break;
      case event_kind::rotated:
        j->max_pending_seen = std::max<std::size_t>(j->max_pending_seen, e.count);
        (void)j->at(e.seq);
        j->rotated.fetch_add(1);
        break;
      case event_kind::finalize_end:
        j->at(e.seq).finalize_ended = true;
        if (!e.ok) ++j->failed_ends;
        break;
      case event_kind::ticket_resolved: ++j->at(e.seq).tickets_resolved; break;
      case event_kind::shut_down_unfinalized: ++j->at(e.seq).shut_down_unfinalized; break;
      default: break;
    }
  }

  struct failure { std::uint64_t seq; errc code; };
  std::vector<failure> failures;

 private:
  void enter(std::uint64_t seq) {
    if (j->shutdown_returned.load()) j->violation("finalize after shutdown returned");
    std::lock_guard<std::mutex> hold(j->m);
    if (j->finalizing++ != 0) j->violation("two finalizes at once");
    if (seq != j->next_finalize)
      j->violation("finalize of " + std::to_string(seq) + " expected " +
                   std::to_string(j->next_finalize));
    j->next_finalize = seq + 1;
    ++j->at(seq).finalize_calls;
  }
};

using runtime = flushcoord::prod::runtime;
using coordinator = flushcoord::coordinator<runtime, stress_engine>;
using ticket = coordinator::ticket_type;

/// Blocks until stop is requested (cooperative stream past its timeout).
result<std::uint64_t> wait_for_stop(std::stop_token stop, std::uint64_t seq) {
  std::mutex m;
  std::condition_variable_any cv;
  std::unique_lock<std::mutex> hold(m);
  cv.wait_for(hold, stop, 60s, [] { return false; });
  return seq;
}

struct issued {
  std::uint64_t seq;
  fault f;
  std::optional<ticket> t;  // empty for abandoned flushes
};

struct producer_result {
  std::vector<issued> flushes;
  std::uint64_t refused_after_shutdown = 0;
};

auto make_stream(fault f, std::uint64_t seq) {
  return [f, seq](const payload&, std::stop_token stop) -> result<std::uint64_t> {
    switch (f) {
      case fault::stream_error: return flushcoord::stream_error("injected");
      case fault::stream_throw: throw std::runtime_error("injected throw");
      case fault::stream_timeout: return wait_for_stop(stop, seq);
      default: return seq;
    }
  };
}

/// One producer: acquire (three ways), rotate, then stream, submit or drop.
void produce(coordinator& coord, journal& j, const config& cfg, unsigned index,
             producer_result& out) {
  std::mt19937_64 rng(cfg.seed * 1000003u + index);
  for (std::uint64_t n = 0;; ++n) {
    if (j.rotated.load() >= cfg.flushes + 4 * cfg.permits) break;
    const fault f = draw_fault(rng);
    std::optional<result<coordinator::permit>> permit;
    switch (n % 3) {
      case 0: permit.emplace(coord.acquire_permit()); break;
      case 1: permit.emplace(coord.acquire_permit_for(50ms)); break;
      default:
        permit.emplace(coord.try_acquire_permit());
        if (!permit->ok() && permit->error().code == errc::no_permit) {
          std::this_thread::yield();
          continue;
        }
    }
    if (!permit->ok()) {
      if (permit->error().code == errc::shut_down) {
        ++out.refused_after_shutdown;
        return;
      }
      if (permit->error().code != errc::permit_timeout)
        j.violation("unexpected acquire error: " + permit->error().message);
      continue;
    }
    auto rf = coord.rotate(std::move(*permit).value(), payload{f});
    if (!rf.ok()) {
      if (rf.error().code != errc::shut_down) j.violation("unexpected rotate error");
      ++out.refused_after_shutdown;
      return;
    }
    const std::uint64_t seq = rf.value().seq();
    switch (f) {
      case fault::abandon:
        out.flushes.push_back({seq, f, std::nullopt});
        { auto dropped = std::move(rf).value(); }
        break;
      case fault::inline_ok:
        out.flushes.push_back({seq, f, coord.submit(std::move(rf).value(), seq)});
        break;
      case fault::inline_error:
        out.flushes.push_back(
            {seq, f, coord.submit(std::move(rf).value(), flushcoord::stream_error("inline"))});
        break;
      default:
        out.flushes.push_back({seq, f, coord.spawn_stream(std::move(rf).value(), make_stream(f, seq))});
    }
    // Now and then wait for the flush just issued, as a writer might.
    if (n % 97 == 0 && out.flushes.back().t) (void)out.flushes.back().t->wait_for(5s);
  }
}

/// Which outcomes each fault allows. shut_down is always allowed (the flush
/// may have been caught by the final shutdown), and so is stream_timeout
/// for any spawned stream (a very slow machine may exceed the timeout).
bool outcome_allowed(fault f, const result<std::string>& r) {
  if (!r.ok() && r.error().code == errc::shut_down) return true;
  const bool spawned = f != fault::inline_ok && f != fault::inline_error && f != fault::abandon;
  if (!r.ok() && spawned && r.error().code == errc::stream_timeout) return true;
  switch (f) {
    case fault::none:
    case fault::inline_ok: return r.ok();
    case fault::stream_error:
    case fault::inline_error: return !r.ok() && r.error().code == errc::stream_failed;
    case fault::stream_throw: return !r.ok() && r.error().code == errc::stream_threw;
    case fault::stream_timeout: return false;  // only the timeout, accepted above
    case fault::finalize_error:
    case fault::finalize_throw: return !r.ok() && r.error().code == errc::finalize_failed;
    case fault::abandon: return false;
  }
  return false;
}

int fail_count = 0;
void check(bool ok, const std::string& what) {
  if (ok) return;
  if (++fail_count <= 20) std::fprintf(stderr, "FAILED: %s\n", what.c_str());
}

config parse(int argc, char** argv) {
  config cfg;
  for (int i = 1; i + 1 < argc; i += 2) {
    const std::string key = argv[i];
    const std::uint64_t value = std::strtoull(argv[i + 1], nullptr, 10);
    if (key == "--flushes") cfg.flushes = value;
    else if (key == "--threads") cfg.threads = static_cast<unsigned>(value);
    else if (key == "--permits") cfg.permits = value;
    else if (key == "--seed") cfg.seed = value;
    else {
      std::fprintf(stderr, "unknown option %s\n", key.c_str());
      std::exit(2);
    }
  }
  return cfg;
}

/// Runs drain in a loop until shutdown; a stall means a wedge (the longest
/// legitimate gap is one stream_timeout).
void drain_loop(coordinator& coord, journal& j, std::atomic<bool>& stop,
                std::atomic<std::uint64_t>& drains) {
  while (!stop.load()) {
    auto r = coord.drain(20s);
    ++drains;
    if (!r.ok() && r.error().code == errc::shut_down) return;
    if (!r.ok()) j.violation("drain: " + r.error().message);
    std::this_thread::sleep_for(1ms);
  }
}

void observe_loop(coordinator& coord, journal& j, std::atomic<bool>& stop, std::size_t permits) {
  std::uint64_t last_failed = 0;
  while (!stop.load()) {
    const std::uint64_t failed = coord.failed_count();
    if (failed < last_failed) j.violation("failed_count went backwards");
    last_failed = failed;
    if (coord.permits_available() > permits) j.violation("permits_available above the bound");
    if (coord.pending_count() > permits) j.violation("pending_count above the bound");
    (void)coord.last_failure();
    (void)coord.running_streams();
    std::this_thread::sleep_for(200us);
  }
}

}  // namespace

int main(int argc, char** argv) {
  const config cfg = parse(argc, argv);
  std::printf("coordinator_stress --flushes %llu --threads %u --permits %zu --seed %llu\n",
              static_cast<unsigned long long>(cfg.flushes), cfg.threads, cfg.permits,
              static_cast<unsigned long long>(cfg.seed));
  std::fflush(stdout);
  const auto started = std::chrono::steady_clock::now();

  journal j;
  j.permits = cfg.permits;
  runtime rt(flushcoord::prod::runtime_options{4});
  flushcoord::options opts;
  opts.max_pending_flushes = cfg.permits;
  opts.stream_timeout = 100ms;
  coordinator coord(rt, stress_engine{&j, {}}, opts);

  std::vector<producer_result> results(cfg.threads);
  std::vector<std::thread> producers;
  for (unsigned i = 0; i < cfg.threads; ++i)
    producers.emplace_back([&, i] { produce(coord, j, cfg, i, results[i]); });
  std::atomic<bool> stop_side{false};
  std::atomic<std::uint64_t> drains{0};
  std::thread drainer([&] { drain_loop(coord, j, stop_side, drains); });
  std::thread observer([&] { observe_loop(coord, j, stop_side, cfg.permits); });

  // Shut down from three threads at once as soon as enough flushes rotated,
  // while producers are still producing.
  while (j.rotated.load() < cfg.flushes) std::this_thread::sleep_for(2ms);
  std::vector<std::thread> closers;
  std::atomic<int> closers_ok{0};
  for (int i = 0; i < 3; ++i) {
    closers.emplace_back([&] {
      coord.shutdown();
      j.shutdown_returned = true;
      if (coord.pending_count() != 0) j.violation("pending after shutdown returned");
      if (!coord.running_streams().empty()) j.violation("stream running after shutdown returned");
      ++closers_ok;
    });
  }
  for (auto& t : closers) t.join();
  for (auto& t : producers) t.join();
  stop_side = true;
  drainer.join();
  observer.join();

  // ---- checks ---------------------------------------------------------------
  const std::uint64_t rotated = j.rotated.load();
  check(rotated >= cfg.flushes, "fewer rotations than asked for");
  check(closers_ok.load() == 3, "a shutdown call did not return");
  check(coord.pending_count() == 0, "pending_count not zero at the end");
  check(coord.permits_available() == cfg.permits, "permit leaked: " +
        std::to_string(coord.permits_available()) + " of " + std::to_string(cfg.permits));
  check(j.max_pending_seen <= cfg.permits, "more flushes pending than permits");

  std::uint64_t issued_total = 0, failed_tickets = 0, lost = 0, bad_outcome = 0;
  for (auto& pr : results) {
    for (auto& fl : pr.flushes) {
      ++issued_total;
      if (!fl.t) continue;
      auto r = fl.t->try_get();
      if (!r) {
        ++lost;
        continue;
      }
      if (!r->ok()) ++failed_tickets;
      if (!outcome_allowed(fl.f, *r)) {
        if (++bad_outcome <= 5)
          std::fprintf(stderr, "flush %llu (fault %d): unexpected outcome %s\n",
                       static_cast<unsigned long long>(fl.seq), static_cast<int>(fl.f),
                       r->ok() ? "ok" : r->error().message.c_str());
      }
      if (r->ok() && r->value().rfind("m" + std::to_string(fl.seq) + "<", 0) != 0) ++bad_outcome;
    }
  }
  check(issued_total == rotated, "producers issued " + std::to_string(issued_total) +
                                     " flushes but " + std::to_string(rotated) + " rotated");
  check(lost == 0, std::to_string(lost) + " tickets never resolved");
  check(bad_outcome == 0, std::to_string(bad_outcome) + " tickets with an outcome their fault forbids");

  std::uint64_t per_seq_bad = 0, unreleased = 0, early_release = 0, shut_down_count = 0;
  for (std::uint64_t seq = 0; seq < rotated; ++seq) {
    const seq_record& r = j.records[seq];
    const int ends = r.finalize_calls + r.shut_down_unfinalized;
    if (ends != 1) ++per_seq_bad;  // finalized exactly once, or shut down
    if (r.permit_released != 1) ++unreleased;
    if (r.released_before_finalize_end) ++early_release;
    if (r.tickets_resolved > 1) ++per_seq_bad;
    shut_down_count += r.shut_down_unfinalized;
  }
  check(per_seq_bad == 0, std::to_string(per_seq_bad) + " sequence numbers not ended exactly once");
  check(unreleased == 0, std::to_string(unreleased) + " permits not released exactly once");
  check(early_release == 0, std::to_string(early_release) + " permits released before finalize");
  check(j.next_finalize + shut_down_count == rotated, "finalized + shut down != rotated");

  const auto& failures = coord.engine().failures;
  std::uint64_t abandoned = 0;
  for (auto& f : failures) abandoned += f.code == errc::abandoned;
  std::uint64_t planned_abandon = 0;
  for (auto& pr : results)
    for (auto& fl : pr.flushes) planned_abandon += fl.f == fault::abandon;
  check(abandoned <= planned_abandon, "more abandoned failures than abandoned flushes");
  // §2.5: every failure is counted, whether it had a ticket or not.
  check(coord.failed_count() == j.failed_ends + shut_down_count,
        "failed_count " + std::to_string(coord.failed_count()) + " != failed finalizes " +
            std::to_string(j.failed_ends) + " + shut down " + std::to_string(shut_down_count));
  // A ticket refused after shutdown belongs to a flush the finalizer resolved
  // as shut_down (counted there), so failed tickets never outnumber failures.
  check(failed_tickets <= coord.failed_count(), "more failed tickets than counted failures");
  for (auto& v : j.violations) check(false, v);

  const auto took = std::chrono::duration_cast<std::chrono::milliseconds>(
      std::chrono::steady_clock::now() - started);
  std::printf("rotated %llu, failed %llu (shut down unfinalized %llu), late results %llu, "
              "drains %llu, %lld ms\n",
              static_cast<unsigned long long>(rotated),
              static_cast<unsigned long long>(coord.failed_count()),
              static_cast<unsigned long long>(shut_down_count),
              static_cast<unsigned long long>(coord.late_results_dropped()),
              static_cast<unsigned long long>(drains.load()), static_cast<long long>(took.count()));
  if (fail_count != 0) {
    std::fprintf(stderr, "coordinator_stress: %d checks failed\n", fail_count);
    return 1;
  }
  std::puts("coordinator_stress: ok");
  return 0;
}

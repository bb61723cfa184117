// harness.hpp — what the coordinator tests share: a recording test engine,
// a gate, and a fixture that owns a prod runtime and a coordinator.
//
// The engine records every coordinator event (on_event, called under the
// coordinator's lock) and every finalize / finalize_failure call into one
// journal, checks online that finalizes never overlap and never run after a
// shutdown() returned, and lets a test block until a given event happened.
// Tests then assert on the journal instead of on timing.
#pragma once

#include <doctest/doctest.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <functional>
#include <future>
#include <memory>
#include <mutex>
#include <optional>
#include <stdexcept>
#include <stop_token>
#include <string>
#include <thread>
#include <vector>

#include <flushcoord/coordinator.hpp>
#include <flushcoord/prod/runtime.hpp>

#if defined(FLUSHCOORD_ENABLE_MUTANTS)
#include <cstdlib>
#endif

namespace fct {  // flushcoord tests

#if defined(FLUSHCOORD_ENABLE_MUTANTS)
/// In the mutant build (coordinator_test_mutants) FLUSHCOORD_MUTANT=<id>
/// switches one of core's mutants on for the whole run, so a run can show
/// that these tests catch it (see tests/coordinator/CMakeLists.txt).
inline const bool mutant_from_env = [] {
  if (const char* id = std::getenv("FLUSHCOORD_MUTANT"))
    flushcoord::mutation::active = static_cast<flushcoord::mutation::id>(std::atoi(id));
  return true;
}();
#endif

using namespace std::chrono_literals;
using flushcoord::errc;
using flushcoord::event_kind;
using flushcoord::flush_error;
using flushcoord::result;

/// Upper bound for any wait that should end "soon": far above any honest
/// delay, so reaching it means a hang, not a slow machine.
inline constexpr auto hang_limit = 60s;

/// Polls `cond` until it holds (true) or hang_limit passes (false): for
/// states no event announces, e.g. a thread having gone to sleep.
inline bool eventually(const std::function<bool()>& cond) {
  const auto until = std::chrono::steady_clock::now() + hang_limit;
  while (!cond()) {
    if (std::chrono::steady_clock::now() > until) return false;
    std::this_thread::sleep_for(std::chrono::microseconds(100));
  }
  return true;
}

/// A one-shot gate: tasks wait for a test to open it.
class gate {
 public:
  void open() {
    {
      std::lock_guard<std::mutex> hold(m_);
      open_ = true;
    }
    cv_.notify_all();
  }
  bool is_open() {
    std::lock_guard<std::mutex> hold(m_);
    return open_;
  }
  /// Waits for the gate or hang_limit; returns whether it opened.
  bool wait() {
    std::unique_lock<std::mutex> hold(m_);
    return cv_.wait_for(hold, hang_limit, [this] { return open_; });
  }
  /// Waits for the gate, a stop request or hang_limit; returns whether the
  /// gate opened.
  bool wait(std::stop_token stop) {
    std::unique_lock<std::mutex> hold(m_);
    return cv_.wait_for(hold, stop, hang_limit, [this] { return open_; });
  }

 private:
  std::mutex m_;
  std::condition_variable_any cv_;
  bool open_ = false;
};

/// How the test engine's finalize treats one flush.
enum class finalize_mode { ok, error, throws };

/// The rotated state of the test engine: a label plus instructions for
/// finalize (so each flush can fail or block its own way).
struct payload {
  int label = 0;
  finalize_mode mode = finalize_mode::ok;
  std::shared_ptr<gate> finalize_gate;  // finalize waits for it, if set
  std::shared_ptr<std::atomic<int>> destroyed;  // counts payload destructions

  payload() = default;
  explicit payload(int l, finalize_mode m = finalize_mode::ok,
                   std::shared_ptr<gate> g = nullptr)
      : label(l), mode(m), finalize_gate(std::move(g)) {}
  payload(const payload&) = default;
  payload(payload&& o) noexcept
      : label(o.label), mode(o.mode), finalize_gate(std::move(o.finalize_gate)),
        destroyed(std::move(o.destroyed)) {}
  payload& operator=(const payload&) = default;
  payload& operator=(payload&&) = default;
  ~payload() {
    if (destroyed) ++*destroyed;
  }
};

/// One finalize or finalize_failure call, as the engine saw it.
struct finalize_call {
  std::uint64_t seq;
  bool success_path;               // finalize (true) or finalize_failure
  std::string outcome;             // finalize: the stream's outcome
  std::optional<flush_error> err;  // finalize_failure: the error
  std::string parent;              // the manifest published before this one
  std::string published;           // finalize ok: the new manifest id
  int label;
};

/// Everything the engine observed. Guarded by `m`; `cv` is notified on
/// every change, so tests can wait for a condition instead of sleeping.
struct journal {
  std::mutex m;
  std::condition_variable cv;
  std::vector<flushcoord::coordinator_event> events;
  std::vector<finalize_call> calls;
  std::vector<std::string> violations;
  std::string last_manifest = "genesis";
  int finalizing = 0;                  // finalize calls running right now
  std::atomic<bool> shutdown_returned{false};

  void violation(std::string what) {
    std::lock_guard<std::mutex> hold(m);
    violations.push_back(std::move(what));
  }

  /// Waits until `pred(*this)` holds (called with m held), or hang_limit.
  template <class Pred>
  bool wait_until(Pred pred) {
    std::unique_lock<std::mutex> hold(m);
    return cv.wait_for(hold, hang_limit, [&] { return pred(*this); });
  }

  std::size_t count(event_kind kind, std::uint64_t seq = flushcoord::no_seq) {
    std::lock_guard<std::mutex> hold(m);
    return count_locked(kind, seq);
  }
  std::size_t count_locked(event_kind kind, std::uint64_t seq = flushcoord::no_seq) const {
    return static_cast<std::size_t>(std::count_if(events.begin(), events.end(), [&](auto& e) {
      return e.kind == kind && (seq == flushcoord::no_seq || e.seq == seq);
    }));
  }
  bool saw(event_kind kind, std::uint64_t seq = flushcoord::no_seq) {
    return count(kind, seq) > 0;
  }
  /// Blocks until an event of `kind` (for `seq`, if given) was emitted.
  bool wait_for_event(event_kind kind, std::uint64_t seq = flushcoord::no_seq) {
    return wait_until([&](journal& j) { return j.count_locked(kind, seq) > 0; });
  }

  std::vector<std::uint64_t> finalized_seqs() {
    std::lock_guard<std::mutex> hold(m);
    std::vector<std::uint64_t> out;
    for (auto& c : calls) out.push_back(c.seq);
    return out;
  }
  std::vector<finalize_call> calls_copy() {
    std::lock_guard<std::mutex> hold(m);
    return calls;
  }
  std::vector<std::string> violations_copy() {
    std::lock_guard<std::mutex> hold(m);
    return violations;
  }
};

/// The engine under test. Moved into the coordinator; shares the journal.
struct test_engine {
  using rotated_state = payload;
  using outcome = std::string;
  using snapshot_id = std::string;

  std::shared_ptr<journal> j;

  result<std::string> finalize(std::uint64_t seq, const payload& p, std::string&& out) {
    begin(seq);
    if (p.finalize_gate && !p.finalize_gate->wait()) j->violation("finalize gate never opened");
    std::string id = "snap-" + std::to_string(seq) + ":" + out;
    std::optional<result<std::string>> ret;
    {
      std::lock_guard<std::mutex> hold(j->m);
      finalize_call call{seq, true, out, std::nullopt, j->last_manifest, "", p.label};
      if (p.mode == finalize_mode::ok) {
        call.published = id;
        j->last_manifest = id;
      }
      j->calls.push_back(std::move(call));
    }
    end();
    if (p.mode == finalize_mode::throws) throw std::runtime_error("finalize exploded");
    if (p.mode == finalize_mode::error)
      return flush_error{errc::finalize_failed, std::nullopt, "manifest write refused"};
    return id;
  }

  void finalize_failure(std::uint64_t seq, const payload& p, const flush_error& err) {
    begin(seq);
    if (p.finalize_gate && !p.finalize_gate->wait()) j->violation("finalize gate never opened");
    {
      std::lock_guard<std::mutex> hold(j->m);
      j->calls.push_back(finalize_call{seq, false, "", err, j->last_manifest, "", p.label});
    }
    end();
    if (p.mode == finalize_mode::throws) throw std::runtime_error("finalize_failure exploded");
  }

  void on_event(const flushcoord::coordinator_event& e) {
    {
      std::lock_guard<std::mutex> hold(j->m);
      j->events.push_back(e);
    }
    j->cv.notify_all();
  }

 private:
  void begin(std::uint64_t seq) {
    if (j->shutdown_returned.load())
      j->violation("finalize of flush " + std::to_string(seq) + " after shutdown returned");
    std::lock_guard<std::mutex> hold(j->m);
    if (++j->finalizing != 1) j->violations.push_back("two finalizes at once");
  }
  void end() {
    {
      std::lock_guard<std::mutex> hold(j->m);
      --j->finalizing;
    }
    j->cv.notify_all();
  }
};

using runtime = flushcoord::prod::runtime;
using coordinator = flushcoord::coordinator<runtime, test_engine>;
using ticket = coordinator::ticket_type;
using stream_result = result<std::string>;

inline flushcoord::options make_options(std::size_t permits,
                                        std::optional<flushcoord::nanoseconds> timeout = {}) {
  flushcoord::options o;
  o.max_pending_flushes = permits;
  o.stream_timeout = timeout;
  return o;
}

/// A prod runtime and a coordinator on it. The runtime is declared first so
/// it is destroyed last: the coordinator's destructor only closes intake,
/// and the runtime's destructor then joins whatever is still running.
struct fixture {
  explicit fixture(std::size_t permits = 4,
                   std::optional<flushcoord::nanoseconds> timeout = {},
                   std::size_t threads = 4)
      : fixture(permits, flushcoord::prod::runtime_options{.stream_threads = threads}, timeout) {}

  fixture(std::size_t permits, flushcoord::prod::runtime_options runtime_opts,
          std::optional<flushcoord::nanoseconds> timeout = {})
      : rt(runtime_opts),
        j(std::make_shared<journal>()),
        coord(std::make_unique<coordinator>(rt, test_engine{j}, make_options(permits, timeout))) {}

  ~fixture() {
    // A test that fails midway may leave gates shut; the checks below are
    // meaningful only for tests that ran to the end, which call finish().
    coord.reset();
  }

  /// Acquires a permit and rotates `p`; fails the test if either fails.
  coordinator::rotated_flush rotate(payload p = payload{}) {
    auto permit = coord->acquire_permit();
    REQUIRE(permit.ok());
    auto rf = coord->rotate(std::move(permit).value(), std::move(p));
    REQUIRE(rf.ok());
    return std::move(rf).value();
  }

  /// Rotates and spawns `fn` as the flush's stream.
  template <class F>
  ticket start(F fn, payload p = payload{}) {
    return coord->spawn_stream(rotate(std::move(p)), std::move(fn));
  }

  /// Shuts down and checks SPEC §2.3 plus the engine's online checks.
  void shutdown_and_check() {
    coord->shutdown();
    j->shutdown_returned = true;
    CHECK(coord->pending_count() == 0);
    CHECK(coord->running_streams().empty());
    CHECK(j->saw(event_kind::finalizer_exited));
    check_no_violations();
  }

  void check_no_violations() {
    for (auto& v : j->violations_copy()) FAIL_CHECK(v);
  }

  runtime rt;
  std::shared_ptr<journal> j;
  std::unique_ptr<coordinator> coord;
};

/// A stream that returns `out` at once.
inline auto returns(std::string out) {
  return [out = std::move(out)](const payload&, std::stop_token) -> stream_result { return out; };
}

/// A stream that waits for `g`, then returns `out`.
inline auto returns_after(std::shared_ptr<gate> g, std::string out) {
  return [g = std::move(g), out = std::move(out)](const payload&, std::stop_token) -> stream_result {
    CHECK(g->wait());
    return out;
  };
}

/// Waits for `t` with a hang guard; fails the test if it does not resolve.
inline result<std::string> wait_resolved(const ticket& t) {
  auto r = t.wait_for(hang_limit);
  if (!r.ok()) REQUIRE_MESSAGE(r.error().code != errc::ticket_timeout, "ticket never resolved");
  return r;
}

inline std::chrono::steady_clock::duration elapsed_since(std::chrono::steady_clock::time_point t) {
  return std::chrono::steady_clock::now() - t;
}

/// Runs `f` on a thread of its own and waits up to `limit` for it. True if
/// it returned; otherwise the thread is left behind (detached, with
/// whatever it owns), so that a deadlock fails the test instead of hanging it.
inline bool returns_within(std::chrono::seconds limit, std::function<void()> f) {
  auto done = std::make_shared<std::promise<void>>();
  std::future<void> finished = done->get_future();
  std::thread runner([f = std::move(f), done] {
    f();
    done->set_value();
  });
  if (finished.wait_for(limit) == std::future_status::ready) {
    runner.join();
    return true;
  }
  runner.detach();
  return false;
}

}  // namespace fct

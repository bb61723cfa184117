// tests/testing/check_test.cpp — flushcoord::testing from a unit test, as a
// user calls it: testing::check over small engines of the test's own, one
// correct and three broken in different ways (their invariant, their end
// state, and a contract the §5 checkers judge).
#include <doctest/doctest.h>

#include <cstdint>
#include <filesystem>
#include <mutex>
#include <optional>
#include <stdexcept>
#include <stop_token>
#include <string>

#include "flushcoord/sim/replay_scheduler.hpp"
#include "flushcoord/sim/trace.hpp"
#include "flushcoord/testing/testing.hpp"

namespace {

namespace ft = flushcoord::testing;
using flushcoord::result;

/// A ledger: finalize publishes, and `published` counts what it published.
struct ledger {
  std::uint64_t published = 0;
  std::uint64_t finalized = 0;
};

/// Its engine, templated on the runtime as a user's would be.
template <class R>
class ledger_engine {
 public:
  using rotated_state = std::uint64_t;
  using outcome = std::uint64_t;
  using snapshot_id = std::uint64_t;
  ledger_engine(ledger& l, bool fail_second) : l_(&l), fail_second_(fail_second) {}
  result<snapshot_id> finalize(std::uint64_t seq, const rotated_state&, outcome&&) {
    // The broken variant fails flush 1 on its own, with no fault planned:
    // the outcome oracle must notice.
    if (fail_second_ && seq == 1) return flushcoord::flush_error{flushcoord::errc::finalize_failed, seq, "disk"};
    l_->published = ++l_->finalized;
    return l_->finalized;
  }
  void finalize_failure(std::uint64_t, const rotated_state&, const flushcoord::flush_error&) {}

 private:
  ledger* l_;
  bool fail_second_;
};

/// The setup, with the broken behaviours as template switches.
template <bool StreamTouchesLedger, bool FinalizeFails = false>
struct ledger_setup {
  using engine = ledger_engine<flushcoord::sim::runtime>;
  explicit ledger_setup(ft::run_context ctx) : rt(ctx.rt) {}
  engine make_engine() { return engine(l, FinalizeFails); }
  engine::rotated_state rotate(std::size_t flush) { return flush; }
  result<engine::outcome> stream(const engine::rotated_state& s, std::stop_token) {
    if (StreamTouchesLedger) ++l.published;  // the bug: only finalize may
    flushcoord::note(rt, "stream of state " + std::to_string(s) + " wrote its file");
    return s;
  }
  std::optional<std::string> invariant() const {
    if (l.published != l.finalized)
      return "published " + std::to_string(l.published) + " but finalized " + std::to_string(l.finalized);
    return std::nullopt;
  }
  flushcoord::sim::runtime rt;
  ledger l;
};

using good_setup = ledger_setup<false>;
using bad_setup = ledger_setup<true>;
using flaky_setup = ledger_setup<false, true>;

/// A setup whose end-of-run check always fails: the hook is wired.
struct leaky_setup : good_setup {
  using good_setup::good_setup;
  std::optional<std::string> at_end() { return "finalized " + std::to_string(l.finalized) + ", leaked one"; }
};

/// An engine whose finalize and finalize_failure obey the harness's
/// finalize faults (setup.hpp, injected_faults). `Obeys` false: it says it
/// does, and never fails; the outcome oracle must notice.
struct fault_counts {
  std::uint64_t errors = 0, throws = 0, failure_throws = 0;
};
inline fault_counts faults_seen;  // summed over the runs of one test case (jobs = 1)

template <class R, bool Obeys>
class faulty_engine {
 public:
  using rotated_state = std::size_t;  // the flush index, kept for the seam
  using outcome = std::uint64_t;
  using snapshot_id = std::uint64_t;
  explicit faulty_engine(ft::injected_faults f) : faults_(f) {}
  result<snapshot_id> finalize(std::uint64_t seq, const rotated_state& flush, outcome&& out) {
    if (Obeys) switch (faults_.finalize(flush)) {
        case ft::finalize_fault::error:
          ++faults_seen.errors;
          return flushcoord::flush_error{flushcoord::errc::finalize_failed, seq, "injected manifest write error"};
        case ft::finalize_fault::throw_exception:
          ++faults_seen.throws;
          throw std::runtime_error("injected finalize throw");
        case ft::finalize_fault::none: break;
      }
    return out;
  }
  void finalize_failure(std::uint64_t, const rotated_state& flush, const flushcoord::flush_error&) {
    if (Obeys && faults_.finalize_failure_throws(flush)) {
      ++faults_seen.failure_throws;
      throw std::runtime_error("injected finalize_failure throw");
    }
  }

 private:
  ft::injected_faults faults_;
};

template <bool Obeys>
struct faulty_setup {
  using engine = faulty_engine<flushcoord::sim::runtime, Obeys>;
  static constexpr bool finalize_faults = true;
  explicit faulty_setup(ft::run_context ctx) : faults(ctx.faults) {}
  engine make_engine() { return engine(faults); }
  engine::rotated_state rotate(std::size_t flush) { return flush; }
  result<typename engine::outcome> stream(const typename engine::rotated_state& flush, std::stop_token) {
    return flush + 1;
  }
  ft::injected_faults faults;
};

/// The same engine, obeying, but its setup does not declare the seam.
struct undeclared_faulty_setup : faulty_setup<true> {
  static constexpr bool finalize_faults = false;
  using faulty_setup<true>::faulty_setup;
};

/// A manifest chain whose finalize links each publish to a parent, under
/// the writers' flush lock (ctx.flush_lock), as the model engine does.
/// `StaleParent`: the parent is the head at rotate time, not at publish
/// time (a realistic bug: two flushes rotated before the first publishes
/// both link to the same parent). `TellsParent`: the setup has parent_key,
/// so manifest_chain judges the engine's own links.
struct link {
  std::uint64_t id = 0;
  std::uint64_t parent = 0;
};

struct chain_state {
  flushcoord::sim::mutex* lock = nullptr;
  std::uint64_t head = 0;
};

class chain_engine {
 public:
  struct rotated_state {
    std::uint64_t id = 0;
    std::uint64_t head_at_rotate = 0;
  };
  using outcome = std::uint64_t;
  using snapshot_id = link;
  chain_engine(chain_state& c, bool stale) : c_(&c), stale_(stale) {}
  result<snapshot_id> finalize(std::uint64_t, const rotated_state& st, outcome&&) {
    std::lock_guard lk(*c_->lock);
    const link published{st.id, stale_ ? st.head_at_rotate : c_->head};
    c_->head = published.id;
    return published;
  }
  void finalize_failure(std::uint64_t, const rotated_state&, const flushcoord::flush_error&) {}

 private:
  chain_state* c_;
  bool stale_;
};

template <bool StaleParent, bool TellsParent>
struct chain_setup {
  using engine = chain_engine;
  explicit chain_setup(ft::run_context ctx) : c{ctx.flush_lock} {}
  engine make_engine() { return engine(c, StaleParent); }
  // Called under ctx.flush_lock (the writer holds it): reads the head.
  engine::rotated_state rotate(std::size_t flush) { return {flush + 1, c.head}; }
  result<engine::outcome> stream(const engine::rotated_state& st, std::stop_token) { return st.id; }
  static std::uint64_t key(const link& l) { return l.id; }
  static std::uint64_t parent_key(const link& l)
    requires TellsParent
  {
    return l.parent;
  }
  chain_state c;
};

std::filesystem::path fresh_dir(const std::string& name) {
  const auto d = std::filesystem::temp_directory_path() / ("flushcoord-testing-check-" + name);
  std::filesystem::remove_all(d);
  return d;
}

}  // namespace

TEST_CASE("check: a correct engine is clean over a seed range, with the determinism check") {
  const auto r = ft::check<good_setup>({.seeds = {0, 299}, .out = fresh_dir("good"), .check_determinism = true});
  CHECK_MESSAGE(r.ok, r.message);
  CHECK(r.seeds_run == 300);
  CHECK(!r.failing_seed);
  CHECK(!r.trace);
}

TEST_CASE("check: the engine's own invariant fails the run, with the replay command in the message") {
  const auto dir = fresh_dir("bad");
  const auto r = ft::check<bad_setup>({.seeds = {0, 299}, .out = dir, .tool = "ledger_sim"});
  REQUIRE(!r.ok);
  REQUIRE(r.failing_seed);
  REQUIRE(r.trace);
  CHECK(std::filesystem::exists(*r.trace));
  CHECK(r.message.find("[engine_invariant]") != std::string::npos);
  CHECK(r.message.find("ledger_sim replay " + r.trace->string()) != std::string::npos);

  // The trace replays exactly around the same engine.
  const auto t = flushcoord::sim::load_trace(*r.trace);
  CHECK(t.seed == *r.failing_seed);
  flushcoord::sim::replay_scheduler replay(t.decisions);
  flushcoord::sim::config cfg;
  cfg.seed = t.seed;
  flushcoord::sim::simulator sim(cfg, replay);
  const auto out = ft::run<bad_setup>(flushcoord::properties::parse_scenario(t.scenario), sim);
  REQUIRE(out.run.failed);
  CHECK(out.run.failed->message == t.failed->message);
  CHECK(out.run.decision_hash == t.decision_hash);
  CHECK(out.run.event_hash == t.event_hash);

  // The engine's notes are in the trace, on the stream's task.
  REQUIRE(!t.notes.empty());
  CHECK(t.notes.front().find(" wrote its file") != std::string::npos);
  bool on_stream = false;
  for (const auto& e : t.events)
    if (e.kind == flushcoord::sim::event_kind::note) on_stream = t.task_names.at(e.task) == "stream";
  CHECK(on_stream);
}

TEST_CASE("check: the §5 checkers judge the user's engine (a finalize failing on its own)") {
  const auto r = ft::check<flaky_setup>({.seeds = {0, 299}, .out = fresh_dir("flaky"), .tool = "x"});
  REQUIRE(!r.ok);
  CHECK(r.message.find("[engine_invariant]") == std::string::npos);
  CHECK(r.message.find("property: [") != std::string::npos);
}

TEST_CASE("check: at_end runs once the run is over") {
  const auto r = ft::check<leaky_setup>({.seeds = {0, 9}, .out = fresh_dir("leaky"), .tool = "x"});
  REQUIRE(!r.ok);
  CHECK(r.failing_seed == 0);
  CHECK(r.message.find("[engine_at_end] finalized") != std::string::npos);
}

TEST_CASE("check: bad options are refused with a message") {
  CHECK_THROWS_AS(ft::check<good_setup>({.seeds = {5, 1}}), std::invalid_argument);
  CHECK_THROWS_AS(ft::check<good_setup>({.jobs = 0}), std::invalid_argument);
  CHECK_THROWS_WITH_AS(ft::check<good_setup>({.seeds = {0, 0}, .strategy = "nope"}),
                       doctest::Contains("unknown strategy 'nope'"), std::invalid_argument);
}

TEST_CASE("check: an engine that declares finalize_faults gets them drawn, and the oracle expects them") {
  static_assert(!ft::injects_finalize_faults<good_setup>());
  static_assert(ft::injects_finalize_faults<faulty_setup<true>>());

  faults_seen = {};
  const auto obeys = ft::check<faulty_setup<true>>({.seeds = {0, 999}, .out = fresh_dir("faulty-obeys"), .tool = "x"});
  CHECK_MESSAGE(obeys.ok, obeys.message);
  // Every kind of finalize fault reached the engine's seam.
  CHECK(faults_seen.errors > 0);
  CHECK(faults_seen.throws > 0);
  CHECK(faults_seen.failure_throws > 0);

  // Declaring the seam and ignoring it is caught: flushes planned to fail
  // at finalize succeed instead.
  const auto ignores = ft::check<faulty_setup<false>>({.seeds = {0, 999}, .out = fresh_dir("faulty-ignores"), .tool = "x"});
  REQUIRE(!ignores.ok);
  CHECK(ignores.message.find("[outcome]") != std::string::npos);
}

TEST_CASE("check: without finalize_faults, no finalize fault is drawn for the engine") {
  faults_seen = {};
  const auto r = ft::check<undeclared_faulty_setup>({.seeds = {0, 999}, .out = fresh_dir("faulty-undeclared"), .tool = "x"});
  CHECK_MESSAGE(r.ok, r.message);
  CHECK(faults_seen.errors == 0);
  CHECK(faults_seen.throws == 0);
  CHECK(faults_seen.failure_throws == 0);
}

TEST_CASE("check: parent_key lets manifest_chain judge the engine's own links") {
  static_assert(ft::has_parent_key<chain_setup<false, true>>);
  static_assert(!ft::has_parent_key<chain_setup<false, false>>);

  const auto good = ft::check<chain_setup<false, true>>({.seeds = {0, 999}, .out = fresh_dir("chain-good"), .tool = "x"});
  CHECK_MESSAGE(good.ok, good.message);

  const auto stale = ft::check<chain_setup<true, true>>({.seeds = {0, 999}, .out = fresh_dir("chain-stale"), .tool = "x"});
  REQUIRE(!stale.ok);
  CHECK(stale.message.find("[manifest_chain]") != std::string::npos);
  CHECK(stale.message.find("with parent") != std::string::npos);

  // Without the hook the chain is the coordinator's publish order, which
  // the stale links do not disturb: the bug needs parent_key (or the
  // engine's own invariant) to be seen.
  const auto unseen = ft::check<chain_setup<true, false>>({.seeds = {0, 999}, .out = fresh_dir("chain-unseen"), .tool = "x"});
  CHECK_MESSAGE(unseen.ok, unseen.message);
}

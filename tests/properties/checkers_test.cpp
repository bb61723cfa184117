// Each checker on hand-written fact streams: silent on a correct history,
// loud on the violation it exists for. These pin the checkers themselves;
// the campaign and mutant tests then trust them.
#include <doctest/doctest.h>

#include <algorithm>
#include <string>
#include <vector>

#include "flushcoord/properties/checker_set.hpp"

namespace fc = flushcoord;
namespace fp = flushcoord::properties;

namespace {

fp::fact ev(fc::event_kind k, std::uint64_t seq = fc::no_seq, std::uint64_t count = 0, bool ok = true,
            std::int64_t t = 0) {
  fp::fact f;
  f.kind = fp::fact_kind::coordinator;
  f.time_ns = t;
  f.event = fc::coordinator_event{k, seq, count, ok};
  return f;
}

fp::fact wl(fp::fact_kind k, std::uint64_t seq = fc::no_seq, std::uint64_t a = 0, std::uint64_t b = 0,
            std::int64_t t = 0, bool ok = true, fc::errc code = fc::errc::shut_down) {
  fp::fact f;
  f.kind = k;
  f.seq = seq;
  f.a = a;
  f.b = b;
  f.time_ns = t;
  f.ok = ok;
  f.code = code;
  return f;
}

struct collector {
  std::vector<std::string> seen;
  fp::violation_sink sink() {
    return [this](std::string_view p, const std::string& m) { seen.push_back(std::string(p) + ": " + m); };
  }
};

/// One flush through its whole correct life, max_pending 1.
std::vector<fp::fact> one_good_flush() {
  return {
      ev(fc::event_kind::permit_acquired, fc::no_seq, 0),
      ev(fc::event_kind::rotated, 0, 1),
      ev(fc::event_kind::stream_spawned, 0),
      ev(fc::event_kind::stream_returned, 0),
      ev(fc::event_kind::finalize_begin, 0),
      wl(fp::fact_kind::finalize_called, 0),
      wl(fp::fact_kind::manifest_published, 0, 0, 1),
      wl(fp::fact_kind::finalize_returned, 0),
      ev(fc::event_kind::finalize_end, 0),
      ev(fc::event_kind::ticket_resolved, 0),
      ev(fc::event_kind::permit_released, 0, 1),
      ev(fc::event_kind::flush_finished, 0, 0),
      wl(fp::fact_kind::ticket_read, 0, 1),
  };
}

std::vector<std::string> run(const std::vector<fp::fact>& facts, fp::end_state end = {0, 1, 0, std::nullopt}) {
  std::vector<std::string> all;
  fp::checker_set set(fp::run_facts{1, 1, std::nullopt, nullptr},
                      [&](std::string_view p, const std::string& m) { all.push_back(std::string(p) + ": " + m); });
  for (const auto& f : facts) set.observe(f);
  set.finish(end);
  return all;
}

}  // namespace

TEST_CASE("a correct history violates nothing") { CHECK(run(one_good_flush()).empty()); }

TEST_CASE("ordered_finalize: a finalize out of order is reported") {
  auto facts = one_good_flush();
  facts[5].seq = 1;  // finalize_called for seq 1 first
  const auto v = run(facts);
  REQUIRE_FALSE(v.empty());
  CHECK(v.front().find("ordered_finalize") == 0);
}

TEST_CASE("ordered_finalize: overlapping finalizes are reported") {
  fp::ordered_finalize_check c;
  collector col;
  c.observe(ev(fc::event_kind::rotated, 0, 1), col.sink());
  c.observe(ev(fc::event_kind::rotated, 1, 2), col.sink());
  c.observe(wl(fp::fact_kind::finalize_called, 0), col.sink());
  c.observe(wl(fp::fact_kind::finalize_called, 1), col.sink());
  REQUIRE(col.seen.size() == 1);
  CHECK(col.seen[0].find("still being finalized") != std::string::npos);
}

TEST_CASE("permits: release before finalize, double release and the bound") {
  fp::permits_check c(fp::run_facts{1, 2, std::nullopt, nullptr});
  collector col;
  c.observe(ev(fc::event_kind::permit_acquired, fc::no_seq, 0), col.sink());
  c.observe(ev(fc::event_kind::permit_acquired, fc::no_seq, 0), col.sink());  // 2 > 1
  c.observe(ev(fc::event_kind::permit_released, 0, 1), col.sink());           // before finalize
  REQUIRE(col.seen.size() == 2);
  CHECK(col.seen[0].find("more than max_pending_flushes") != std::string::npos);
  CHECK(col.seen[1].find("before its finalize") != std::string::npos);
}

TEST_CASE("tickets: resolved twice, or never") {
  auto facts = one_good_flush();
  facts.insert(facts.begin() + 10, ev(fc::event_kind::ticket_resolved, 0));
  CHECK_FALSE(run(facts).empty());
  auto unresolved = one_good_flush();
  unresolved.erase(unresolved.begin() + 9);   // no ticket_resolved
  unresolved.pop_back();                      // and no read
  const auto v = run(unresolved);
  REQUIRE_FALSE(v.empty());
  CHECK(v.back().find("never resolved") != std::string::npos);
}

TEST_CASE("tickets: a read must return the published manifest") {
  auto facts = one_good_flush();
  facts.back().a = 7;
  const auto v = run(facts);
  REQUIRE(v.size() == 1);
  CHECK(v[0].find("finalize published 1") != std::string::npos);
}

TEST_CASE("pending_count: a count that disagrees with rotated - finished") {
  auto facts = one_good_flush();
  facts[11].event.count = 1;  // finished, but the count did not move
  const auto v = run(facts);
  REQUIRE_FALSE(v.empty());
  CHECK(v[0].find("pending_count") == 0);
}

TEST_CASE("drain: late success, early stall and success with pending") {
  fp::drain_check c;
  collector col;
  c.observe(ev(fc::event_kind::rotated, 0, 1, true, 0), col.sink());
  c.observe(wl(fp::fact_kind::drain_called, fc::no_seq, 0, 1000, 0), col.sink());
  c.observe(ev(fc::event_kind::flush_finished, 0, 0, true, 10), col.sink());
  c.observe(wl(fp::fact_kind::drain_returned, fc::no_seq, 0, 0, 500), col.sink());  // late
  REQUIRE(col.seen.size() == 1);
  CHECK(col.seen[0].find("missed wake-up") != std::string::npos);

  c.observe(ev(fc::event_kind::rotated, 1, 1, true, 600), col.sink());
  c.observe(wl(fp::fact_kind::drain_called, fc::no_seq, 1, 1000, 600), col.sink());
  c.observe(wl(fp::fact_kind::drain_returned, fc::no_seq, 1, 0, 900, false, fc::errc::drain_stalled),
            col.sink());
  REQUIRE(col.seen.size() == 2);
  CHECK(col.seen[1].find("after only 300ns") != std::string::npos);

  c.observe(wl(fp::fact_kind::drain_called, fc::no_seq, 2, 1000, 900), col.sink());
  c.observe(wl(fp::fact_kind::drain_returned, fc::no_seq, 2, 0, 900, true), col.sink());
  REQUIRE(col.seen.size() == 3);
  CHECK(col.seen[2].find("succeeded with 1 flushes pending") != std::string::npos);
}

TEST_CASE("shutdown: live tasks, pending flushes, finalize afterwards, intake after close") {
  fp::shutdown_check c(fp::run_facts{1, 1, std::nullopt, nullptr});
  collector col;
  c.observe(ev(fc::event_kind::permit_acquired, fc::no_seq, 0), col.sink());
  c.observe(ev(fc::event_kind::rotated, 0, 1), col.sink());
  c.observe(ev(fc::event_kind::close_begun), col.sink());
  c.observe(wl(fp::fact_kind::shutdown_called, fc::no_seq, 0), col.sink());
  c.observe(wl(fp::fact_kind::shutdown_returned, fc::no_seq, 0, 2), col.sink());
  c.observe(wl(fp::fact_kind::finalize_called, 0), col.sink());
  c.observe(ev(fc::event_kind::stream_spawned, 0), col.sink());
  const std::string all = [&] {
    std::string s;
    for (auto& x : col.seen) s += x + "\n";
    return s;
  }();
  CHECK(all.find("2 coordinator tasks were still alive") != std::string::npos);
  CHECK(all.find("1 flushes pending") != std::string::npos);
  CHECK(all.find("permits not given back") != std::string::npos);
  CHECK(all.find("finalized after shutdown returned") != std::string::npos);
  CHECK(all.find("accepted after intake closed") != std::string::npos);
}

TEST_CASE("manifest_chain: a publish whose parent is not the head") {
  fp::manifest_chain_check c;
  collector col;
  c.observe(wl(fp::fact_kind::manifest_published, 0, 0, 1), col.sink());
  c.observe(wl(fp::fact_kind::manifest_published, 1, 0, 2), col.sink());  // parent 0, head 1
  REQUIRE(col.seen.size() == 1);
  CHECK(col.seen[0].find("chain's head was 1") != std::string::npos);
}

TEST_CASE("stream_timeout: a stream past its deadline that was not failed") {
  fp::stream_timeout_check c(fp::run_facts{1, 1, 100, nullptr});
  collector col;
  c.observe(ev(fc::event_kind::stream_spawned, 0, 0, true, 0), col.sink());
  c.observe(ev(fc::event_kind::stream_returned, 0, 0, true, 150), col.sink());
  REQUIRE(col.seen.size() == 1);
  c.observe(ev(fc::event_kind::stream_spawned, 1, 0, true, 200), col.sink());
  c.observe(ev(fc::event_kind::stream_timed_out, 1, 0, true, 300), col.sink());
  c.observe(ev(fc::event_kind::stream_returned, 1, 0, true, 900), col.sink());
  CHECK(col.seen.size() == 1);
}

TEST_CASE("diagnostics: failed_count must count every failure") {
  auto facts = one_good_flush();
  facts[8].event.ok = false;  // finalize_end failed
  facts[9].event.ok = false;
  facts[12].ok = false;
  const auto v = run(facts, fp::end_state{0, 1, 0, std::nullopt});
  REQUIRE_FALSE(v.empty());
  CHECK(std::any_of(v.begin(), v.end(),
                    [](const std::string& m) { return m.find("failed_count()=0 but 1") != std::string::npos; }));
}

// ---- the outcome oracle --------------------------------------------------

namespace {

/// One flush of plan 0 (what, stream_ns) spawned at t=0, under a timeout
/// of 100 ns, resolved as the caller's facts say.
struct oracle_run {
  fp::scenario sc;
  collector col;
  std::optional<fp::outcome_check> c;

  oracle_run(fp::fault what, std::int64_t stream_ns, std::optional<std::int64_t> timeout = 100) {
    sc.stream_timeout_ns = timeout;
    sc.flushes.push_back(fp::flush_plan{stream_ns, what});
    c.emplace(fp::run_facts{1, 1, timeout, &sc});
    feed(ev(fc::event_kind::rotated, 0, 1));
    feed(wl(fp::fact_kind::flush_rotated, 0, 0));
    feed(ev(fc::event_kind::stream_spawned, 0, 0, true, 0));
  }
  void feed(const fp::fact& f) { c->observe(f, col.sink()); }
  /// The stream timed out at `t`; finalize_failure ran with stream_timeout.
  void timed_out_at(std::int64_t t) {
    feed(ev(fc::event_kind::stream_timed_out, 0, 0, true, t));
    failed_with(fc::errc::stream_timeout, t);
  }
  void failed_with(fc::errc code, std::int64_t t) {
    feed(ev(fc::event_kind::finalize_begin, 0, 0, false, t));
    feed(wl(fp::fact_kind::failure_called, 0, 0, 0, t, true, code));
    feed(ev(fc::event_kind::finalize_end, 0, 0, false, t));
  }
  void succeeded_at(std::int64_t t) {
    feed(ev(fc::event_kind::stream_returned, 0, 0, true, t));
    feed(ev(fc::event_kind::finalize_begin, 0, 0, true, t));
    feed(wl(fp::fact_kind::manifest_published, 0, 0, 1, t));
    feed(ev(fc::event_kind::finalize_end, 0, 0, true, t));
  }
  std::vector<std::string> finish(std::uint64_t failed, fc::errc last_code = fc::errc::stream_timeout) {
    std::optional<fc::flush_error> last;
    if (failed != 0) last = fc::flush_error::make(last_code, 0, "");
    c->finish(fp::end_state{0, 1, failed, last}, col.sink());
    return col.seen;
  }
};

bool mentions(const std::vector<std::string>& v, std::string_view what) {
  return std::any_of(v.begin(), v.end(), [&](const std::string& m) { return m.find(what) != std::string::npos; });
}

}  // namespace

TEST_CASE("outcome: a flush that must succeed may not fail with a plausible error") {
  // The stream takes 50 ns against a 100 ns timeout: it must succeed.
  oracle_run r(fp::fault::none, 50);
  r.timed_out_at(100);  // the timeout itself fired on time...
  const auto v = r.finish(1);
  REQUIRE(v.size() == 1);  // ...but the plan says success
  CHECK(mentions(v, "resolved with stream_timeout, expected success"));
}

TEST_CASE("outcome: a stream timeout means the stream really ran that long") {
  oracle_run early(fp::fault::stream_stall, 50);
  early.timed_out_at(60);
  CHECK(mentions(early.col.seen, "timed out after 60ns, before its stream_timeout of 100ns"));

  oracle_run on_time(fp::fault::stream_stall, 50);  // a stall runs 250 ns: must time out
  on_time.timed_out_at(100);
  CHECK(on_time.finish(1).empty());

  oracle_run missed(fp::fault::stream_stall, 50);  // and must not succeed
  missed.succeeded_at(250);
  CHECK(mentions(missed.finish(0), "resolved with success, expected stream_timeout"));
}

TEST_CASE("outcome: a stream landing at its very deadline may go either way") {
  oracle_run timed_out(fp::fault::stream_at_deadline, 0);
  timed_out.timed_out_at(100);
  CHECK(timed_out.finish(1).empty());
  oracle_run succeeded(fp::fault::stream_at_deadline, 0);
  succeeded.succeeded_at(100);
  CHECK(succeeded.finish(0).empty());
}

TEST_CASE("outcome: the error code must be the one the fault explains") {
  oracle_run r(fp::fault::stream_throw_int, 10);
  r.failed_with(fc::errc::stream_failed, 10);  // a throw is stream_threw
  CHECK(mentions(r.finish(1), "resolved with stream_failed, expected stream_threw"));
}

TEST_CASE("outcome: an engine failure resolves as engine_failed, not as a stream's failure") {
  oracle_run posed(fp::fault::engine_error, 0);
  posed.failed_with(fc::errc::stream_failed, 0);
  CHECK(mentions(posed.finish(1), "resolved with stream_failed, expected engine_failed"));
  oracle_run named(fp::fault::engine_error, 0);
  named.failed_with(fc::errc::engine_failed, 0);
  CHECK(named.finish(1, fc::errc::engine_failed).empty());
}

TEST_CASE("outcome: a shut-down resolution needs a close and a held flush") {
  oracle_run open(fp::fault::none, 10);
  open.feed(ev(fc::event_kind::shut_down_unfinalized, 0));
  CHECK(mentions(open.col.seen, "resolved as shut down while intake was open"));

  oracle_run submitted(fp::fault::none, 10);  // spawned, so not held
  submitted.feed(ev(fc::event_kind::close_begun));
  submitted.feed(ev(fc::event_kind::shut_down_unfinalized, 0));
  CHECK(mentions(submitted.col.seen, "although it was submitted"));
}

TEST_CASE("outcome: an acquire after close fails at once, with shut_down") {
  fp::outcome_check c(fp::run_facts{1, 0, std::nullopt, nullptr});
  collector col;
  c.observe(ev(fc::event_kind::close_begun), col.sink());
  fp::fact call = wl(fp::fact_kind::acquire_called, fc::no_seq, 0, static_cast<std::uint64_t>(fp::acquire_form::timed), 10);
  call.c = 1000;
  c.observe(call, col.sink());
  fp::fact ret = wl(fp::fact_kind::acquire_returned, fc::no_seq, 0, static_cast<std::uint64_t>(fp::acquire_form::timed),
                    1010, false, fc::errc::permit_timeout);
  ret.c = 1000;
  c.observe(ret, col.sink());
  REQUIRE(col.seen.size() == 1);
  CHECK(mentions(col.seen, "after close returned permit_timeout instead of shut_down"));
}

TEST_CASE("outcome: ticket::wait_for times out only after its whole timeout, and never once resolved") {
  oracle_run r(fp::fault::none, 500, std::nullopt);
  fp::fact early = wl(fp::fact_kind::ticket_waited_for, 0, 0, /*called at*/ 0, 40, false, fc::errc::ticket_timeout);
  early.c = 50;
  r.feed(early);
  CHECK(mentions(r.col.seen, "timed out after 40ns, before its timeout of 50ns"));
  r.succeeded_at(500);
  r.feed(ev(fc::event_kind::ticket_resolved, 0, 0, true, 500));
  fp::fact late = wl(fp::fact_kind::ticket_waited_for, 0, 0, 400, 600, false, fc::errc::ticket_timeout);
  late.c = 200;
  r.feed(late);
  CHECK(mentions(r.col.seen, "timed out although the ticket was resolved"));
}

TEST_CASE("drain: no drain waits past a whole stall period without progress") {
  fp::drain_check c;
  collector col;
  c.observe(ev(fc::event_kind::rotated, 0, 1, true, 0), col.sink());
  c.observe(wl(fp::fact_kind::drain_called, fc::no_seq, 0, /*stall timeout*/ 100, 0), col.sink());
  c.observe(ev(fc::event_kind::flush_finished, 0, 0, true, 250), col.sink());
  c.observe(wl(fp::fact_kind::drain_returned, fc::no_seq, 0, 0, 250, true), col.sink());
  REQUIRE(col.seen.size() == 1);
  CHECK(mentions(col.seen, "went 250ns without progress, past its stall timeout of 100ns"));
}

// The trace file format: round trips, and clean errors for every kind of
// damaged input (docs/trace-format.md).
#include <doctest/doctest.h>

#include <filesystem>
#include <fstream>
#include <string>

#include "failure_trace.hpp"
#include "flushcoord/properties/scenario.hpp"
#include "flushcoord/sim/rng.hpp"
#include "flushcoord/sim/trace.hpp"

namespace fs = flushcoord::sim;
namespace fp = flushcoord::properties;

namespace {

fs::trace recorded(std::uint64_t seed) {
  fp::scenario_outcome out;
  return flushsim::record_trace(fp::generate(seed), seed, flushsim::trace_origin{std::nullopt, "flushsim run --seeds 1..1"},
                                out);
}

/// A small hand-made trace with every optional part present.
fs::trace handmade() {
  fs::trace t;
  t.seed = 42;
  t.mutant = "close_blocks";
  t.failed = fs::failure{fs::failure_class::deadlock, "every task blocked", "  a#1: waits\n  b#2: waits\n"};
  t.steps = 9;
  t.decision_hash = 0x0123456789abcdefULL;
  t.event_hash = 0xfedcba9876543210ULL;
  t.end_time_ns = 1500;
  t.rerun = "flushsim run --seeds 42..42";
  t.scenario = "max_pending 2\nflush 10 none 0 0\n";
  t.decisions = {{0, 2}, {1, 3}, {2, 3}};
  t.task_names = {"main", "a", "b"};
  t.mutex_names = {"", "", "engine.flush_lock"};
  t.condvar_names = {"", "", "", "coordinator.progress"};
  using ek = fs::event_kind;
  t.events = {{0, std::chrono::nanoseconds(0), ek::start, 0, 0},
              {1, std::chrono::nanoseconds(0), ek::spawn, 0, 1},
              {2, std::chrono::nanoseconds(0), ek::spawn, 0, 2},
              {3, std::chrono::nanoseconds(5), ek::lock, 1, 1},
              {3, std::chrono::nanoseconds(5), ek::lock, 2, 2},
              {4, std::chrono::nanoseconds(1500), ek::wait, 2, 3},
              {4, std::chrono::nanoseconds(1500), ek::wake, 1, 3, fs::object_type::condvar},
              {5, std::chrono::nanoseconds(1500), ek::wake, 2, 0},
              {5, std::chrono::nanoseconds(1500), ek::coordinator, 1, 0, fs::object_type::none,
               flushcoord::coordinator_event{flushcoord::event_kind::rotated, 7, 2, true}},
              {6, std::chrono::nanoseconds(1500), ek::coordinator, 2, 0, fs::object_type::none,
               flushcoord::coordinator_event{flushcoord::event_kind::drain_returned, flushcoord::no_seq, 0, false}},
              // The engine's notes: free text, spaces (doubled, trailing)
              // and all, an empty one, and one that spells a keyword.
              {6, std::chrono::nanoseconds(1500), ek::note, 1, 0},
              {6, std::chrono::nanoseconds(1500), ek::note, 2, 1},
              {7, std::chrono::nanoseconds(1500), ek::note, 1, 2}};
  t.notes = {"checkpoint  manifest 7 published ", "", "note coordinator rotated seq=1"};
  t.events_omitted = 7;
  return t;
}

/// Recomputes the checksum line, so that a test can reach the parser's
/// checks behind it.
std::string reseal(const std::string& text) {
  const std::size_t l1 = text.find('\n');
  const std::size_t l2 = text.find('\n', l1 + 1);
  const std::string body = text.substr(l2 + 1);
  char hex[17];
  std::snprintf(hex, sizeof hex, "%016llx", static_cast<unsigned long long>(fs::trace_checksum(body)));
  return text.substr(0, l1 + 1) + "checksum fnv1a64:" + hex + "\n" + body;
}

std::string replace_once(std::string s, const std::string& from, const std::string& to) {
  const std::size_t at = s.find(from);
  REQUIRE_MESSAGE(at != std::string::npos, from);
  return s.replace(at, from.size(), to);
}

std::string error_of(const std::string& text) {
  try {
    fs::parse_trace(text);
  } catch (const fs::trace_error& e) {
    return e.what();
  }
  return "(no error)";
}

}  // namespace

TEST_CASE("a hand-made trace survives format and parse unchanged") {
  const fs::trace t = handmade();
  CHECK(fs::parse_trace(fs::format_trace(t)) == t);
}

TEST_CASE("a note's text is the rest of its line") {
  const std::string text = fs::format_trace(handmade());
  CHECK(text.find("\n6 1500 a#1 note checkpoint  manifest 7 published \n") != std::string::npos);
  CHECK(text.find("\n6 1500 b#2 note \n") != std::string::npos);
  const fs::trace back = fs::parse_trace(text);
  REQUIRE(back.notes.size() == 3);
  CHECK(fs::note_text(back, back.events[back.events.size() - 1]) == "note coordinator rotated seq=1");
  // A kind that merely starts with "note" is not a note.
  CHECK(error_of(reseal(replace_once(text, "a#1 note checkpoint  manifest 7 published ", "a#1 notes x")))
            .find("unknown event kind 'notes'") != std::string::npos);
}

TEST_CASE("recorded traces of clean and failing runs round trip") {
  for (std::uint64_t seed : {1u, 7u, 96u}) {
    const fs::trace t = recorded(seed);
    CHECK(!t.events.empty());
    const fs::trace back = fs::parse_trace(fs::format_trace(t));
    CHECK(back == t);
    CHECK(fs::format_trace(back) == fs::format_trace(t));
  }
}

TEST_CASE("save and load through a file") {
  const auto path = std::filesystem::temp_directory_path() / "flushsim-trace-test.trace";
  const fs::trace t = handmade();
  fs::save_trace(path, t);
  CHECK(fs::load_trace(path) == t);
  std::filesystem::remove(path);
}

TEST_CASE("every truncation of a trace is refused with a trace_error") {
  const std::string text = fs::format_trace(handmade());
  for (std::size_t n = 0; n < text.size(); ++n) {
    CAPTURE(n);
    CHECK_THROWS_AS(fs::parse_trace(text.substr(0, n)), fs::trace_error);
  }
}

TEST_CASE("a flipped byte anywhere is refused") {
  const std::string text = fs::format_trace(handmade());
  for (std::size_t i = 0; i < text.size(); ++i) {
    std::string bad = text;
    bad[i] = static_cast<char>(bad[i] ^ 0x01);
    CAPTURE(i);
    CHECK_THROWS_AS(fs::parse_trace(bad), fs::trace_error);
  }
}

TEST_CASE("empty, garbage and foreign files get clean errors") {
  CHECK(error_of("") == "line 1: empty file: expected 'flushcoord-trace 2'");
  CHECK(error_of("\n").find("not a flushcoord trace") != std::string::npos);
  CHECK(error_of("flushcoord-corpus 1\nseed 3\n").find("not a flushcoord trace") != std::string::npos);
  fs::rng r(99);
  for (int trial = 0; trial < 2000; ++trial) {
    std::string junk(r.below(300), '\0');
    for (char& c : junk) c = static_cast<char>(r.below(256));
    if (trial % 2 == 0) junk = "flushcoord-trace 2\n" + junk;  // get past the first line
    CHECK_THROWS_AS(fs::parse_trace(junk), fs::trace_error);
  }
}

TEST_CASE("another version is refused by number") {
  const std::string text = fs::format_trace(handmade());
  const std::string v3 = replace_once(text, "flushcoord-trace 2", "flushcoord-trace 3");
  CHECK(error_of(v3) == "line 1: trace version 3 is not supported (this build reads version 2)");
  CHECK(error_of(replace_once(text, "flushcoord-trace 2", "flushcoord-trace x")).find("line 1: bad number") == 0);
}

TEST_CASE("a version 1 trace is refused with the command that records it again") {
  const std::string v1 = replace_once(fs::format_trace(handmade()), "flushcoord-trace 2", "flushcoord-trace 1");
  const std::string err = error_of(v1);
  CHECK(err.find("line 1: trace version 1 is not supported (this build reads version 2)") == 0);
  CHECK(err.find("coordinator's events") != std::string::npos);
  CHECK(err.find(": flushsim run --seeds 42..42") != std::string::npos);
}

TEST_CASE("damage behind a valid checksum is named with its line") {
  const std::string text = fs::format_trace(handmade());
  struct damage {
    std::string from, to, expected;
  };
  const damage cases[] = {
      {"seed 42\n", "seed 4x2\n", "line 3: bad number '4x2' for seed"},
      {"seed 42\n", "seed 42\nseed 43\n", "line 4: key 'seed' appears twice"},
      {"steps 9\n", "stepz 9\n", "unknown key 'stepz'"},
      {"steps 9\n", "", "header lacks the 'steps' line"},
      {"failure deadlock\n", "failure meltdown\n", "unknown failure class 'meltdown'"},
      {"decision_count 3\n", "decision_count 4\n", "holds 3 decisions, the header says 4"},
      {"0/2 1/3 2/3\n", "0/2 3/3 2/3\n", "impossible decision '3/3'"},
      {"0/2 1/3 2/3\n", "0/2 1-3 2/3\n", "bad decision '1-3'"},
      {"decision_hash 0x0123456789abcdef\n", "decision_hash 123\n", "bad hash '123'"},
      {"events 13\n", "events 14\n", "bad event"},
      {"report 2\n", "report 3\n", "expected the 'decisions' section"},
      {"3 5 a#1 lock mutex#1\n", "3 5 a#1 lick mutex#1\n", "unknown event kind 'lick'"},
      {"3 5 a#1 lock mutex#1\n", "3 5 a#9999999 lock mutex#1\n", "is out of range"},
      {"3 5 a#1 lock mutex#1\n", "3 5 b#1 lock mutex#1\n", "named both"},
      {"3 5 a#1 lock mutex#1\n", "3 5 a#1 lock\n", "bad event"},
      {"3 5 a#1 lock mutex#1\n", "3 5 a#1 lock mutex#0\n", "object numbers start at 1"},
      {"1500 b#2 wait coordinator.progress#3\n", "1500 b#2 wait condvar#3\n",
       "condvar #3 is named both 'condvar' and 'coordinator.progress'"},
      {"3 5 a#1 lock mutex#1\n", "3 5 a#1 sleep mutex#1\n", "this kind has none"},
      {"1500 a#1 wake condvar:coordinator.progress#3\n", "1500 a#1 wake coordinator.progress#3\n",
       "bad wake object"},
      {"1500 a#1 wake condvar:coordinator.progress#3\n", "1500 a#1 wake condvar:other#3\n", "named both"},
      {"1500 a#1 coordinator rotated seq=7 count=2 ok=1\n", "1500 a#1 coordinator rotted seq=7 count=2 ok=1\n",
       "unknown coordinator event 'rotted'"},
      {"1500 a#1 coordinator rotated seq=7 count=2 ok=1\n", "1500 a#1 coordinator rotated seq=7 count=2\n",
       "bad coordinator event"},
      {"1500 a#1 coordinator rotated seq=7 count=2 ok=1\n", "1500 a#1 coordinator rotated sq=7 count=2 ok=1\n",
       "expected seq=..."},
      {"1500 a#1 coordinator rotated seq=7 count=2 ok=1\n", "1500 a#1 coordinator rotated seq=7 count=2 ok=yes\n",
       "bad ok=yes"},
      {"1500 a#1 coordinator rotated seq=7 count=2 ok=1\n", "1500 a#1 coordinator rotated seq=x count=2 ok=1\n",
       "bad number 'x'"},
      {"end\n", "end\nmore\n", "text after the 'end' line"},
      {"end\n", "", "file ends early"},
  };
  for (const damage& d : cases) {
    CAPTURE(d.to);
    const std::string err = error_of(reseal(replace_once(text, d.from, d.to)));
    CHECK_MESSAGE(err.find(d.expected) != std::string::npos, err);
    CHECK(err.rfind("line ", 0) == 0);
  }
}

TEST_CASE("a checksum mismatch is reported as such") {
  const std::string text = fs::format_trace(handmade());
  const std::string edited = replace_once(text, "every task blocked", "every task blocked!");
  CHECK(error_of(edited).find("line 2: checksum mismatch") == 0);
}

TEST_CASE("load_trace refuses what is not a readable trace file") {
  CHECK_THROWS_AS(fs::load_trace("/nonexistent/flushsim.trace"), fs::trace_error);
  CHECK_THROWS_AS(fs::load_trace(std::filesystem::temp_directory_path()), fs::trace_error);
  const auto empty = std::filesystem::temp_directory_path() / "flushsim-empty.trace";
  std::ofstream(empty).close();
  CHECK_THROWS_AS(fs::load_trace(empty), fs::trace_error);
  std::filesystem::remove(empty);
}

TEST_CASE("every failure class and event kind the simulator names can be read back") {
  for (int i = 0;; ++i) {
    const auto c = static_cast<fs::failure_class>(i);
    if (fs::to_string(c) == "unknown") break;
    CHECK(fs::failure_class_from_string(fs::to_string(c)) == c);
  }
  CHECK(fs::failure_class_from_string("liveness") == fs::failure_class::liveness);
  for (int i = 0;; ++i) {
    const auto k = static_cast<fs::event_kind>(i);
    if (fs::to_string(k) == "unknown") break;
    CHECK(fs::event_kind_from_string(fs::to_string(k)) == k);
  }
  CHECK_FALSE(fs::event_kind_from_string("unknown"));
  int coordinator_kinds = 0;
  for (int i = 0;; ++i, ++coordinator_kinds) {
    const auto k = static_cast<flushcoord::event_kind>(i);
    if (fs::to_string(k) == "unknown") break;
    CHECK(fs::coordinator_event_kind_from_string(fs::to_string(k)) == k);
  }
  // Every kind of core/flushcoord/events.hpp has a name (the last one is
  // flush_failed): a kind added there without one would end the walk early.
  CHECK(coordinator_kinds == static_cast<int>(flushcoord::event_kind::flush_failed) + 1);
  CHECK_FALSE(fs::failure_class_from_string(""));
}

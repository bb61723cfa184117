// What `flushsim show` says about a failure, on hand-made traces: the
// flushes and tasks a message names, a lost wake-up, a wait-for cycle, a
// ticket nobody will resolve — and nothing where nothing went wrong.
#include <doctest/doctest.h>

#include <string>

#include "diagnosis.hpp"

namespace fs = flushcoord::sim;
using ek = flushcoord::event_kind;

namespace {

fs::event runtime_event(std::uint64_t step, fs::event_kind k, fs::task_id task, std::uint32_t object = 0,
                        fs::object_type woken_on = fs::object_type::none) {
  return fs::event{step, std::chrono::nanoseconds(step * 10), k, task, object, woken_on, {}};
}

fs::event coordinator_event(std::uint64_t step, fs::task_id task, ek k, std::uint64_t seq, std::uint64_t count = 0) {
  fs::event e = runtime_event(step, fs::event_kind::coordinator, task);
  e.coord = flushcoord::coordinator_event{k, seq, count, true};
  return e;
}

/// main#0, drain#1 waiting on coordinator.progress (condvar 1) under
/// coordinator.lock (mutex 1), stream#2 finishing flush 0. With `window`,
/// drain releases the lock after looking and re-takes it only to wait.
fs::trace drain_trace(bool window) {
  fs::trace t;
  t.failed = fs::failure{fs::failure_class::property, "[drain] drain #0 returned late (missed wake-up)", ""};
  t.task_names = {"main", "drain", "stream"};
  t.mutex_names = {"", "coordinator.lock"};
  t.condvar_names = {"", "coordinator.progress"};
  using k = fs::event_kind;
  t.events = {runtime_event(1, k::acquire, 1, 1), coordinator_event(1, 1, ek::drain_begun, flushcoord::no_seq, 1)};
  if (window) t.events.push_back(runtime_event(2, k::unlock, 1, 1));
  t.events.push_back(runtime_event(3, k::acquire, 2, 1));
  t.events.push_back(coordinator_event(3, 2, ek::flush_finished, 0, 0));
  t.events.push_back(runtime_event(4, k::unlock, 2, 1));
  if (window) {
    t.events.push_back(runtime_event(5, k::lock, 1, 1));
    t.events.push_back(runtime_event(5, k::acquire, 1, 1));
  }
  t.events.push_back(runtime_event(6, k::wait_until, 1, 1));
  t.events.push_back(runtime_event(9, k::wake, 1, 0));
  return t;
}

bool has_finding(const flushsim::diagnosis& d, const std::string& text) {
  for (const auto& f : d.findings)
    if (f.find(text) != std::string::npos) return true;
  return false;
}

}  // namespace

TEST_CASE("a change made while the waiter had dropped the lock is a lost wake-up") {
  const auto d = flushsim::diagnose(drain_trace(true));
  CHECK(d.property == "drain");
  REQUIRE(d.findings.size() == 1);
  CHECK(has_finding(d, "lost wake-up on coordinator.progress"));
  CHECK(has_finding(d, "drain#1 released coordinator.lock without waiting"));
  CHECK(has_finding(d, "stream#2: flush 0 finished: pending 1 → 0, while drain#1 was not waiting"));
  CHECK(has_finding(d, "only its deadline woke it"));
  CHECK(d.named == std::vector<std::string>{"drain #0 is drain#1"});
}

TEST_CASE("a waiter that held the lock from its check to its wait lost nothing") {
  CHECK(flushsim::diagnose(drain_trace(false)).findings.empty());
}

TEST_CASE("a notify that ended the wait means no wake-up was lost") {
  fs::trace t = drain_trace(true);
  t.events.back() = runtime_event(9, fs::event_kind::wake, 1, 1, fs::object_type::condvar);
  CHECK(flushsim::diagnose(t).findings.empty());
}

TEST_CASE("a deadlock report's wait-for cycle is named") {
  fs::trace t;
  t.task_names = {"main", "ab", "ba"};
  t.failed = fs::failure{fs::failure_class::deadlock, "deadlock: 3 live task(s) blocked and no timer pending",
                         "at step 9, t=0ns, in the scheduler\n"
                         "  main#0 (program): waits on join of ab#1\n"
                         "  ab#1 (stream): waits on mutex#2 held by ba#2\n"
                         "  ba#2 (stream): waits on engine.flush_lock held by ab#1\n"};
  const auto d = flushsim::diagnose(t);
  REQUIRE(d.findings.size() == 1);
  CHECK(d.findings[0] ==
        "wait-for cycle: ab#1 waits on mutex#2 held by ba#2, ba#2 waits on engine.flush_lock held by ab#1.");
  CHECK(d.tasks == std::vector<fs::task_id>{1, 2});
}

TEST_CASE("the flushes a message names, the tasks that ran them, and a ticket nobody will resolve") {
  fs::trace t;
  t.task_names = {"main", "finalizer", "stream"};
  t.failed = fs::failure{fs::failure_class::deadlock, "[outcome] flush 3 never resolved",
                         "  main#0 (program): waits on coordinator.ticket_ready\n"};
  t.events = {coordinator_event(1, 2, ek::stream_started, 3), coordinator_event(2, 1, ek::flush_finished, 3, 0),
              coordinator_event(3, 1, ek::ticket_resolved, 4), coordinator_event(3, 1, ek::flush_finished, 4, 0)};
  const auto d = flushsim::diagnose(t);
  CHECK(d.flushes == std::vector<std::uint64_t>{3});
  CHECK(d.named == std::vector<std::string>{"flush 3 ran in stream#2"});
  REQUIRE(d.findings.size() == 1);
  CHECK(d.findings[0] == "main#0 waits on coordinator.ticket_ready, but flush 3 finished at step 2 without its ticket "
                         "being resolved: no notify will come.");
}

// No wedge on a missing sequence number (SPEC §2.1), diagnosable failures
// (§2.5) and cooperative cancellation (§2.6): every way a rotated flush can
// fail becomes one finalize_failure naming the cause and the sequence
// number, in order, and later flushes go on.
#include "harness.hpp"

using namespace fct;

namespace {

/// Checks the one finalize_failure call of `seq` and, if `next_ok`, that
/// the flush after it was finalized successfully.
void check_failed_then_next_ok(fixture& fx, std::uint64_t seq, errc code, bool next_ok = true) {
  auto calls = fx.j->calls_copy();
  auto it = std::find_if(calls.begin(), calls.end(), [&](auto& c) { return c.seq == seq; });
  REQUIRE(it != calls.end());
  CHECK(!it->success_path);
  REQUIRE(it->err.has_value());
  CHECK(it->err->code == code);
  CHECK(it->err->seq == seq);
  CHECK(it->err->message.find("flush " + std::to_string(seq)) != std::string::npos);
  CHECK(std::count_if(calls.begin(), calls.end(), [&](auto& c) { return c.seq == seq; }) == 1);
  auto next = std::find_if(calls.begin(), calls.end(), [&](auto& c) { return c.seq == seq + 1; });
  if (next_ok) {
    REQUIRE(next != calls.end());
    CHECK(next->success_path);
  }
}

}  // namespace

TEST_CASE("a stream that returns an error fails its flush only") {
  fixture fx(4);
  ticket t0 = fx.start([](const payload&, std::stop_token) -> stream_result {
    return flushcoord::stream_error("disk full");
  });
  ticket t1 = fx.start(returns("fine"));
  auto r0 = wait_resolved(t0);
  REQUIRE(!r0.ok());
  CHECK(r0.error().code == errc::stream_failed);
  CHECK(r0.error().seq == 0u);
  CHECK(r0.error().message.find("disk full") != std::string::npos);
  CHECK(wait_resolved(t1).value() == "snap-1:fine");
  check_failed_then_next_ok(fx, 0, errc::stream_failed);
  CHECK(fx.coord->failed_count() == 1);
  REQUIRE(fx.coord->last_failure().has_value());
  CHECK(fx.coord->last_failure()->message.find("disk full") != std::string::npos);
  fx.shutdown_and_check();
}

TEST_CASE("a stream that throws fails its flush with the exception's text") {
  fixture fx(4);
  ticket t0 = fx.start([](const payload&, std::stop_token) -> stream_result {
    throw std::runtime_error("checksum mismatch");
  });
  ticket t1 = fx.start([](const payload&, std::stop_token) -> stream_result { throw 42; });
  ticket t2 = fx.start(returns("fine"));
  auto r0 = wait_resolved(t0);
  REQUIRE(!r0.ok());
  CHECK(r0.error().code == errc::stream_threw);
  CHECK(r0.error().message.find("checksum mismatch") != std::string::npos);
  auto r1 = wait_resolved(t1);
  REQUIRE(!r1.ok());
  CHECK(r1.error().code == errc::stream_threw);
  CHECK(wait_resolved(t2).ok());
  check_failed_then_next_ok(fx, 0, errc::stream_threw, false);
  check_failed_then_next_ok(fx, 1, errc::stream_threw);
  CHECK(fx.coord->failed_count() == 2);
  fx.shutdown_and_check();
}

TEST_CASE("a stream past its timeout is failed, told to stop, and its late result dropped") {
  fixture fx(4, 200ms);
  std::atomic<bool> stop_seen{false};
  auto never = std::make_shared<gate>();
  ticket t0 = fx.start([&stop_seen, never](const payload&, std::stop_token stop) -> stream_result {
    never->wait(stop);  // cooperative: returns once stop is requested
    stop_seen = stop.stop_requested();
    return std::string("too late");
  });
  ticket t1 = fx.start(returns("fine"));
  auto r0 = wait_resolved(t0);
  REQUIRE(!r0.ok());
  CHECK(r0.error().code == errc::stream_timeout);
  CHECK(r0.error().seq == 0u);
  CHECK(wait_resolved(t1).value() == "snap-1:fine");
  REQUIRE(fx.j->wait_for_event(event_kind::late_result_dropped, 0));
  CHECK(stop_seen.load());
  CHECK(fx.coord->late_results_dropped() == 1);
  check_failed_then_next_ok(fx, 0, errc::stream_timeout);
  // "too late" was never finalized: exactly one call for seq 0, a failure.
  for (auto& c : fx.j->calls_copy()) CHECK(c.outcome != "too late");
  fx.shutdown_and_check();
}

TEST_CASE("a stream that ignores stop does not hold up its sequence number") {
  fixture fx(4, 200ms);
  auto release = std::make_shared<gate>();
  ticket t0 = fx.start(returns_after(release, "ignored stop"));  // never looks at stop
  ticket t1 = fx.start(returns("fine"));
  auto r0 = wait_resolved(t0);
  REQUIRE(!r0.ok());
  CHECK(r0.error().code == errc::stream_timeout);
  CHECK(wait_resolved(t1).ok());  // later flushes went on without it

  // It still runs, and the coordinator says so, with when it started.
  auto running = fx.coord->running_streams();
  REQUIRE(running.size() == 1);
  CHECK(running[0].seq == 0);
  CHECK(running[0].spawned_at <= fx.rt.now());
  CHECK(fx.coord->pending_count() == 0);

  // shutdown waits for it (documented), and returns once it returned.
  std::atomic<bool> shutdown_done{false};
  std::thread closer([&] {
    fx.coord->shutdown();
    shutdown_done = true;
  });
  std::this_thread::sleep_for(30ms);
  CHECK(!shutdown_done.load());
  release->open();
  closer.join();
  CHECK(fx.coord->running_streams().empty());
  CHECK(fx.coord->late_results_dropped() == 1);
  fx.j->shutdown_returned = true;
  fx.check_no_violations();
}

TEST_CASE("a rotated flush destroyed without being submitted is failed as abandoned") {
  fixture fx(4);
  ticket before = fx.start(returns("a"));
  { auto dropped = fx.rotate(payload{1}); }  // seq 1, never submitted
  ticket after = fx.start(returns("c"));
  CHECK(wait_resolved(before).ok());
  CHECK(wait_resolved(after).value() == "snap-2:c");
  check_failed_then_next_ok(fx, 1, errc::abandoned);
  CHECK(fx.coord->failed_count() == 1);
  CHECK(fx.coord->permits_available() == 4);
  CHECK(fx.coord->pending_count() == 0);
  fx.shutdown_and_check();
}

TEST_CASE("a rotated flush overwritten by move assignment is abandoned") {
  fixture fx(4);
  auto first = fx.rotate(payload{0});
  first = fx.rotate(payload{1});  // seq 0 is dropped here
  ticket t1 = fx.coord->submit(std::move(first), std::string("kept"));
  CHECK(wait_resolved(t1).value() == "snap-1:kept");
  check_failed_then_next_ok(fx, 0, errc::abandoned);
  fx.shutdown_and_check();
}

TEST_CASE("a stream task the runtime destroys before it ran fails as never_ran") {
  auto j = std::make_shared<journal>();
  std::atomic<bool> stream_ran{false};
  ticket t0;
  ticket t1;
  {
    auto rt = std::make_unique<runtime>(flushcoord::prod::runtime_options{1});
    runtime* raw = rt.get();
    auto coord = std::make_unique<coordinator>(*rt, test_engine{j}, make_options(4));
    // Hold the only pool thread until the runtime stops, so the streams
    // spawned below are still queued then.
    gate blocker_started;
    rt->spawn(flushcoord::task_kind::stream, "blocker", [&blocker_started, raw] {
      blocker_started.open();
      while (!raw->stopping()) std::this_thread::sleep_for(1ms);
    });
    REQUIRE(blocker_started.wait());
    auto stream = [&stream_ran](const payload&, std::stop_token) -> stream_result {
      stream_ran = true;
      return std::string("x");
    };
    for (ticket* t : {&t0, &t1}) {
      auto p = coord->acquire_permit();
      REQUIRE(p.ok());
      auto rf = coord->rotate(std::move(p).value(), payload{});
      REQUIRE(rf.ok());
      *t = coord->spawn_stream(std::move(rf).value(), stream);
    }
    coord.reset();  // non-blocking close; the finalizer waits for 0 and 1
    rt.reset();     // stops the pool: both streams are destroyed unrun
  }
  CHECK(!stream_ran.load());
  for (std::uint64_t seq : {0u, 1u}) {
    auto r = (seq == 0 ? t0 : t1).try_get();
    REQUIRE(r.has_value());
    REQUIRE(!r->ok());
    CHECK(r->error().code == errc::never_ran);
    CHECK(r->error().seq == seq);
  }
  auto calls = j->calls_copy();
  REQUIRE(calls.size() == 2);
  CHECK(calls[0].seq == 0);
  CHECK(calls[1].seq == 1);
  for (auto& c : calls) {
    CHECK(!c.success_path);
    CHECK(c.err->code == errc::never_ran);
  }
}

TEST_CASE("finalize that returns an error or throws fails the flush as finalize_failed") {
  fixture fx(4);
  ticket t0 = fx.start(returns("a"), payload{0, finalize_mode::error});
  ticket t1 = fx.start(returns("b"), payload{1, finalize_mode::throws});
  ticket t2 = fx.start(returns("c"));
  auto r0 = wait_resolved(t0);
  REQUIRE(!r0.ok());
  CHECK(r0.error().code == errc::finalize_failed);
  CHECK(r0.error().seq == 0u);
  CHECK(r0.error().message.find("manifest write refused") != std::string::npos);
  auto r1 = wait_resolved(t1);
  REQUIRE(!r1.ok());
  CHECK(r1.error().code == errc::finalize_failed);
  CHECK(r1.error().message.find("finalize exploded") != std::string::npos);
  CHECK(wait_resolved(t2).value() == "snap-2:c");
  CHECK(fx.coord->failed_count() == 2);
  CHECK(fx.coord->last_failure()->seq == 1u);
  CHECK(fx.coord->permits_available() == 4);
  fx.shutdown_and_check();
}

TEST_CASE("finalize_failure that throws keeps the original cause") {
  fixture fx(4);
  ticket t0 = fx.start(
      [](const payload&, std::stop_token) -> stream_result {
        return flushcoord::stream_error("original cause");
      },
      payload{0, finalize_mode::throws});
  ticket t1 = fx.start(returns("b"));
  auto r0 = wait_resolved(t0);
  REQUIRE(!r0.ok());
  CHECK(r0.error().code == errc::stream_failed);
  CHECK(r0.error().message.find("original cause") != std::string::npos);
  CHECK(wait_resolved(t1).ok());
  fx.shutdown_and_check();
}

TEST_CASE("failure diagnostics can be read while flushes fail concurrently") {
  fixture fx(4, std::nullopt, 4);
  constexpr int flushes = 200;
  std::atomic<bool> done{false};
  std::thread reader([&] {
    std::uint64_t last = 0;
    while (!done.load()) {
      const std::uint64_t now = fx.coord->failed_count();
      CHECK(now >= last);  // never goes backwards
      last = now;
      if (auto f = fx.coord->last_failure()) CHECK(f->code == errc::stream_failed);
      (void)fx.coord->pending_count();
      (void)fx.coord->running_streams();
    }
  });
  std::vector<ticket> tickets;
  for (int i = 0; i < flushes; ++i) {
    tickets.push_back(fx.start([i](const payload&, std::stop_token) -> stream_result {
      if (i % 2 == 0) return flushcoord::stream_error("even " + std::to_string(i));
      return std::string("odd");
    }));
  }
  for (auto& t : tickets) (void)wait_resolved(t);
  done = true;
  reader.join();
  CHECK(fx.coord->failed_count() == flushes / 2);
  REQUIRE(fx.coord->last_failure().has_value());
  CHECK(fx.coord->last_failure()->seq == std::uint64_t{flushes - 2});
  fx.shutdown_and_check();
}

TEST_CASE("an engine failure after rotate resolves as engine_failed, not stream_failed") {
  // The engine's own rotate step (say, switching the WAL) fails after
  // rotate() took the sequence number: it submits engine_error(...).
  fixture fx(4);
  ticket t0 = fx.coord->submit(fx.rotate(), flushcoord::engine_error("WAL switch failed"));
  ticket t1 = fx.start(returns("fine"));
  auto r0 = wait_resolved(t0);
  REQUIRE(!r0.ok());
  CHECK(r0.error().code == errc::engine_failed);
  CHECK(r0.error().seq == 0u);
  CHECK(r0.error().message == "flush 0: engine_failed: WAL switch failed");
  CHECK(wait_resolved(t1).value() == "snap-1:fine");
  check_failed_then_next_ok(fx, 0, errc::engine_failed);
  CHECK(fx.coord->failed_count() == 1);
  REQUIRE(fx.coord->last_failure().has_value());
  CHECK(fx.coord->last_failure()->code == errc::engine_failed);
  fx.shutdown_and_check();
}

TEST_CASE("submit labels any other error stream_failed, and a spawned stream cannot claim engine_failed") {
  // engine_failed is for the engine's step outside a stream; an inline
  // stream's error (stream_error, or any other code) is a stream's, and so
  // is whatever a spawned stream returns, engine_error(...) included.
  fixture fx(4);
  ticket inline_error = fx.coord->submit(fx.rotate(), flushcoord::stream_error("short write"));
  ticket other_code = fx.coord->submit(
      fx.rotate(), flushcoord::flush_error{.code = errc::stream_timeout, .message = "made up"});
  ticket spawned = fx.start([](const payload&, std::stop_token) -> stream_result {
    return flushcoord::engine_error("the stream says the engine failed");
  });
  CHECK(wait_resolved(inline_error).error().code == errc::stream_failed);
  CHECK(wait_resolved(other_code).error().code == errc::stream_failed);
  auto r = wait_resolved(spawned);
  REQUIRE(!r.ok());
  CHECK(r.error().code == errc::stream_failed);
  CHECK(r.error().message == "flush 2: stream_failed: the stream says the engine failed");
  fx.shutdown_and_check();
}

TEST_CASE("every error code has a stable name of its own") {
  std::vector<std::string_view> names;
  for (std::size_t c = 0; c < flushcoord::errc_count; ++c) {
    const auto name = flushcoord::to_string(static_cast<errc>(c));
    CHECK(name != "unknown");
    CHECK(std::find(names.begin(), names.end(), name) == names.end());
    names.push_back(name);
  }
  CHECK(flushcoord::to_string(errc::engine_failed) == "engine_failed");
}

// Shutdown leaves nothing behind (SPEC §2.3) and close / destruction never
// hang (§2.4): idempotent and concurrent shutdown, every ticket resolved,
// nothing pending, every permit back, nothing finalized afterwards; intake
// after shutdown fails at once; permit waiters are woken.
#include "harness.hpp"

using namespace fct;

TEST_CASE("shutdown is idempotent") {
  fixture fx(2);
  ticket t = fx.start(returns("x"));
  fx.coord->shutdown();
  fx.coord->shutdown();
  CHECK(fx.coord->is_closed());
  CHECK(wait_resolved(t).ok());  // it was streaming at shutdown: finalized
  fx.shutdown_and_check();
  CHECK(fx.j->count(event_kind::finalizer_exited) == 1);
  CHECK(fx.j->count(event_kind::close_begun) == 1);
}

TEST_CASE("concurrent shutdown from several threads: each return implies all joined") {
  fixture fx(8, std::nullopt, 6);  // a pool thread for each blocked stream
  auto g = std::make_shared<gate>();
  auto finalize_gate = std::make_shared<gate>();
  std::vector<ticket> tickets;
  tickets.push_back(fx.start(returns("f"), payload{0, finalize_mode::ok, finalize_gate}));
  for (int i = 1; i < 6; ++i) tickets.push_back(fx.start(returns_after(g, "s")));
  REQUIRE(fx.j->wait_for_event(event_kind::finalize_begin, 0));

  constexpr int closers = 6;
  std::atomic<int> returned{0};
  std::vector<std::thread> threads;
  for (int i = 0; i < closers; ++i) {
    threads.emplace_back([&] {
      fx.coord->shutdown();
      // What every caller may rely on as soon as its own call returns:
      CHECK(fx.coord->pending_count() == 0);
      CHECK(fx.coord->running_streams().empty());
      CHECK(fx.j->saw(event_kind::finalizer_exited));
      CHECK(fx.j->count(event_kind::stream_returned) == 6);
      fx.j->shutdown_returned = true;
      ++returned;
    });
  }
  std::this_thread::sleep_for(30ms);
  CHECK(returned.load() == 0);  // finalize and five streams still blocked
  CHECK(!fx.coord->try_acquire_permit().ok());  // intake already closed
  finalize_gate->open();
  g->open();
  for (auto& t : threads) t.join();
  CHECK(returned.load() == closers);
  for (auto& t : tickets) CHECK(wait_resolved(t).ok());  // all in order, none blocked
  CHECK(fx.coord->permits_available() == 8);
  fx.shutdown_and_check();
}

TEST_CASE("after shutdown every ticket is resolved, nothing pending, every permit back") {
  fixture fx(4);
  auto held = fx.rotate(payload{0});  // seq 0: rotated, never submitted
  auto g = std::make_shared<gate>();
  ticket t1 = fx.start(returns_after(g, "x"));  // seq 1 streaming behind it
  ticket t2 = fx.coord->submit(fx.rotate(), std::string("y"));  // seq 2 ready
  std::thread opener([g] {
    std::this_thread::sleep_for(20ms);
    g->open();
  });
  fx.coord->shutdown();
  opener.join();
  fx.j->shutdown_returned = true;
  // seq 0 can never arrive, so nothing after it could be finalized in order.
  for (ticket* t : {&t1, &t2}) {
    auto r = t->try_get();
    REQUIRE(r.has_value());
    REQUIRE(!r->ok());
    CHECK(r->error().code == errc::shut_down);
  }
  CHECK(fx.coord->pending_count() == 0);
  CHECK(fx.coord->permits_available() == 4);
  CHECK(fx.j->finalized_seqs().empty());
  CHECK(fx.j->count(event_kind::shut_down_unfinalized) == 3);
  // Submitting the held flush now fails at once, with a resolved ticket.
  ticket late = fx.coord->submit(std::move(held), std::string("late"));
  REQUIRE(late.is_ready());
  CHECK(late.wait().error().code == errc::shut_down);
  CHECK(fx.coord->pending_count() == 0);
  fx.shutdown_and_check();
}

TEST_CASE("acquire, rotate and submit after shutdown fail at once with shut_down") {
  fixture fx(3);
  auto permit = fx.coord->try_acquire_permit();  // taken before shutdown
  REQUIRE(permit.ok());
  auto rf = fx.rotate();  // rotated before shutdown
  auto rf2 = fx.rotate();
  fx.coord->shutdown();
  fx.j->shutdown_returned = true;

  auto refused_blocking = fx.coord->acquire_permit();
  auto refused_try = fx.coord->try_acquire_permit();
  auto refused_timed = fx.coord->acquire_permit_for(hang_limit);
  for (auto* r : {&refused_blocking, &refused_try, &refused_timed}) {
    REQUIRE(!r->ok());
    CHECK(r->error().code == errc::shut_down);
  }
  // Nothing was permitted: the one outstanding permit is the caller's.
  CHECK(fx.coord->permits_available() == 3 - 1);
  auto rotated = fx.coord->rotate(std::move(permit).value(), payload{});
  REQUIRE(!rotated.ok());
  CHECK(rotated.error().code == errc::shut_down);
  CHECK(fx.coord->pending_count() == 0);  // nothing was rotated
  // The refused permit went back during the refused rotate itself, not when
  // the caller's (now empty) permit object dies.
  CHECK(fx.coord->permits_available() == 3);
  CHECK_FALSE(permit.value().valid());

  std::atomic<bool> ran{false};
  ticket t = fx.coord->spawn_stream(std::move(rf), [&ran](const payload&, std::stop_token) {
    ran = true;
    return stream_result(std::string("x"));
  });
  REQUIRE(t.is_ready());
  CHECK(t.wait().error().code == errc::shut_down);
  ticket t2 = fx.coord->submit(std::move(rf2), std::string("y"));
  REQUIRE(t2.is_ready());
  CHECK(t2.wait().error().code == errc::shut_down);
  CHECK(!ran.load());
  CHECK(fx.coord->pending_count() == 0);
  fx.shutdown_and_check();
}

TEST_CASE("permit waiters blocked at shutdown are woken with shut_down") {
  fixture fx(1);
  auto only = fx.coord->acquire_permit();  // hold the one permit
  REQUIRE(only.ok());
  std::atomic<int> woken{0};
  std::vector<std::thread> waiters;
  for (int i = 0; i < 4; ++i) {
    waiters.emplace_back([&fx, &woken, i] {
      auto r = i % 2 == 0 ? fx.coord->acquire_permit() : fx.coord->acquire_permit_for(hang_limit);
      CHECK(!r.ok());
      if (!r.ok()) CHECK(r.error().code == errc::shut_down);
      ++woken;
    });
  }
  std::this_thread::sleep_for(30ms);
  CHECK(woken.load() == 0);
  const auto start = std::chrono::steady_clock::now();
  fx.coord->shutdown();
  for (auto& w : waiters) w.join();
  CHECK(woken.load() == 4);
  CHECK(elapsed_since(start) < 30s);
  fx.shutdown_and_check();
}

TEST_CASE("close is non-blocking and the finalizer still finishes in-order work") {
  fixture fx(4);
  auto finalize_gate = std::make_shared<gate>();
  ticket t0 = fx.start(returns("a"), payload{0, finalize_mode::ok, finalize_gate});
  auto g = std::make_shared<gate>();
  ticket t1 = fx.start(returns_after(g, "b"));
  REQUIRE(fx.j->wait_for_event(event_kind::finalize_begin, 0));
  const auto start = std::chrono::steady_clock::now();
  fx.coord->close();  // finalize of 0 is blocked: close must not wait for it
  CHECK(elapsed_since(start) < 5s);
  CHECK(fx.coord->is_closed());
  CHECK(fx.coord->try_acquire_permit().error().code == errc::shut_down);
  finalize_gate->open();
  g->open();
  CHECK(wait_resolved(t0).value() == "snap-0:a");
  CHECK(wait_resolved(t1).value() == "snap-1:b");
  fx.shutdown_and_check();
}

TEST_CASE("destroying a coordinator with work in flight never hangs") {
  auto j = std::make_shared<journal>();
  auto streams_gate = std::make_shared<gate>();
  auto finalize_gate = std::make_shared<gate>();
  auto held_destroyed = std::make_shared<std::atomic<int>>(0);
  std::vector<ticket> tickets;
  {
    runtime rt(flushcoord::prod::runtime_options{4});
    auto coord = std::make_unique<coordinator>(rt, test_engine{j}, make_options(8));
    auto rotate = [&](payload p) {
      auto permit = coord->acquire_permit();
      REQUIRE(permit.ok());
      auto rf = coord->rotate(std::move(permit).value(), std::move(p));
      REQUIRE(rf.ok());
      return std::move(rf).value();
    };
    // seq 0: finalize blocks; seq 1..3: streams block; seq 4: held by us.
    tickets.push_back(coord->spawn_stream(rotate(payload{0, finalize_mode::ok, finalize_gate}),
                                          returns("a")));
    for (int i = 1; i < 4; ++i)
      tickets.push_back(coord->spawn_stream(rotate(payload{i}), returns_after(streams_gate, "b")));
    payload p{4};
    p.destroyed = held_destroyed;
    std::optional<coordinator::rotated_flush> outlives(rotate(std::move(p)));
    REQUIRE(j->wait_for_event(event_kind::finalize_begin, 0));

    const auto start = std::chrono::steady_clock::now();
    coord.reset();  // must not wait for the blocked finalize or streams
    CHECK(elapsed_since(start) < 5s);

    // The tasks keep the shared state alive: abandoning the held flush and
    // letting everything finish now touches no freed memory (ASan checks).
    outlives.reset();
    finalize_gate->open();
    streams_gate->open();
    CHECK(wait_resolved(tickets[0]).value() == "snap-0:a");
    for (int i = 1; i < 4; ++i) CHECK(wait_resolved(tickets[static_cast<std::size_t>(i)]).ok());
    REQUIRE(j->wait_for_event(event_kind::finalizer_exited));
  }  // ~runtime joins the finalizer and the pool
  auto calls = j->calls_copy();
  REQUIRE(calls.size() == 5);
  for (std::uint64_t i = 0; i < 5; ++i) CHECK(calls[i].seq == i);
  CHECK(!calls[4].success_path);
  CHECK(calls[4].err->code == errc::abandoned);
  CHECK(held_destroyed->load() == 1);
  for (auto& v : j->violations_copy()) FAIL_CHECK(v);
}

TEST_CASE("destroying a coordinator whose first flush is held resolves the rest as shut_down") {
  auto j = std::make_shared<journal>();
  ticket behind;
  {
    runtime rt(flushcoord::prod::runtime_options{2});
    std::optional<coordinator::rotated_flush> held;
    {
      coordinator coord(rt, test_engine{j}, make_options(4));
      auto p0 = coord.acquire_permit();
      REQUIRE(p0.ok());
      auto rf0 = coord.rotate(std::move(p0).value(), payload{0});
      REQUIRE(rf0.ok());
      held.emplace(std::move(rf0).value());
      auto p1 = coord.acquire_permit();
      REQUIRE(p1.ok());
      auto rf1 = coord.rotate(std::move(p1).value(), payload{1});
      REQUIRE(rf1.ok());
      behind = coord.submit(std::move(rf1).value(), std::string("x"));
    }  // close: seq 0 can never be submitted now
    auto r = wait_resolved(behind);
    REQUIRE(!r.ok());
    CHECK(r.error().code == errc::shut_down);
    held.reset();
  }
  CHECK(j->calls_copy().empty());  // nothing finalized out of order
}

// The permit bound: never more than max_pending_flushes flushes hold a
// permit; a flush's permit comes back only after its finalize has run;
// blocking, non-blocking and deadline acquires behave as documented.
#include "harness.hpp"

using namespace fct;

TEST_CASE("no more than max_pending_flushes permits are handed out") {
  fixture fx(3);
  std::vector<coordinator::permit> held;
  for (int i = 0; i < 3; ++i) {
    auto p = fx.coord->try_acquire_permit();
    REQUIRE(p.ok());
    held.push_back(std::move(p).value());
  }
  CHECK(fx.coord->permits_available() == 0);
  auto refused = fx.coord->try_acquire_permit();
  REQUIRE(!refused.ok());
  CHECK(refused.error().code == errc::no_permit);

  const auto start = std::chrono::steady_clock::now();
  auto timed_out = fx.coord->acquire_permit_for(30ms);
  REQUIRE(!timed_out.ok());
  CHECK(timed_out.error().code == errc::permit_timeout);
  CHECK(elapsed_since(start) >= 30ms);

  held.pop_back();  // an unused permit comes back at once
  CHECK(fx.coord->permits_available() == 1);
  CHECK(fx.coord->try_acquire_permit().ok());  // ...and is destroyed again
  held.clear();
  CHECK(fx.coord->permits_available() == 3);
  fx.shutdown_and_check();
}

TEST_CASE("a flush's permit comes back only after its finalize ran") {
  fixture fx(1);
  auto finalize_gate = std::make_shared<gate>();
  ticket t = fx.start(returns("x"), payload{0, finalize_mode::ok, finalize_gate});
  REQUIRE(fx.j->wait_for_event(event_kind::finalize_begin, 0));
  // The stream is done and finalize is running (blocked): still no permit.
  CHECK(fx.coord->permits_available() == 0);
  CHECK(!fx.coord->try_acquire_permit().ok());
  CHECK(fx.coord->pending_count() == 1);
  finalize_gate->open();
  REQUIRE(wait_resolved(t).ok());
  CHECK(fx.coord->permits_available() == 1);
  CHECK(fx.coord->pending_count() == 0);
  // The journal agrees: finalize_end of 0 precedes permit_released of 0.
  std::lock_guard<std::mutex> hold(fx.j->m);
  auto& ev = fx.j->events;
  auto end = std::find_if(ev.begin(), ev.end(), [](auto& e) {
    return e.kind == event_kind::finalize_end && e.seq == 0;
  });
  auto released = std::find_if(ev.begin(), ev.end(), [](auto& e) {
    return e.kind == event_kind::permit_released && e.seq == 0;
  });
  REQUIRE(end != ev.end());
  REQUIRE(released != ev.end());
  CHECK(end < released);
}

TEST_CASE("a failed flush also keeps its permit until finalize_failure ran") {
  fixture fx(1);
  auto finalize_gate = std::make_shared<gate>();
  ticket t = fx.start(
      [](const payload&, std::stop_token) -> stream_result {
        return flushcoord::stream_error("no space");
      },
      payload{0, finalize_mode::ok, finalize_gate});
  REQUIRE(fx.j->wait_for_event(event_kind::finalize_begin, 0));
  CHECK(fx.coord->permits_available() == 0);
  finalize_gate->open();
  CHECK(!wait_resolved(t).ok());
  CHECK(fx.coord->permits_available() == 1);
  fx.shutdown_and_check();
}

TEST_CASE("a blocked acquire_permit wakes when a flush is finalized") {
  fixture fx(1);
  auto g = std::make_shared<gate>();
  ticket t = fx.start(returns_after(g, "x"));
  std::atomic<bool> acquired{false};
  std::thread waiter([&] {
    auto p = fx.coord->acquire_permit();
    CHECK(p.ok());
    acquired = true;
  });
  std::this_thread::sleep_for(20ms);
  CHECK(!acquired.load());
  g->open();
  waiter.join();
  CHECK(acquired.load());
  REQUIRE(wait_resolved(t).ok());
  fx.shutdown_and_check();
}

TEST_CASE("acquire_permit_for succeeds when a permit frees before the deadline") {
  fixture fx(1);
  auto g = std::make_shared<gate>();
  ticket t = fx.start(returns_after(g, "x"));
  std::thread opener([g] {
    std::this_thread::sleep_for(10ms);
    g->open();
  });
  auto p = fx.coord->acquire_permit_for(hang_limit);
  CHECK(p.ok());
  opener.join();
  REQUIRE(wait_resolved(t).ok());
  fx.shutdown_and_check();
}

TEST_CASE("permits held never exceed the bound under concurrent load") {
  constexpr std::size_t permits = 3;
  fixture fx(permits, std::nullopt, 4);
  std::vector<std::thread> producers;
  for (int p = 0; p < 6; ++p) {
    producers.emplace_back([&fx, p] {
      for (int i = 0; i < 100; ++i) {
        auto permit = (i + p) % 3 == 0 ? fx.coord->acquire_permit_for(hang_limit)
                                       : fx.coord->acquire_permit();
        REQUIRE(permit.ok());
        auto rf = fx.coord->rotate(std::move(permit).value(), payload{i});
        REQUIRE(rf.ok());
        (void)fx.coord->spawn_stream(std::move(rf).value(),
                                     [](const payload&, std::stop_token) -> stream_result {
                                       std::this_thread::sleep_for(50us);
                                       return std::string("x");
                                     });
      }
    });
  }
  for (auto& t : producers) t.join();
  REQUIRE(fx.coord->drain(hang_limit).ok());
  CHECK(fx.coord->permits_available() == permits);
  {
    std::lock_guard<std::mutex> hold(fx.j->m);
    std::size_t acquired = 0;
    for (auto& e : fx.j->events) {
      if (e.kind == event_kind::permit_acquired || e.kind == event_kind::permit_released) {
        CHECK(e.count <= permits);  // available never above the bound
      }
      if (e.kind == event_kind::permit_acquired) ++acquired;
      if (e.kind == event_kind::rotated) CHECK(e.count <= permits);  // pending <= bound
    }
    CHECK(acquired == 600);
    CHECK(fx.j->count_locked(event_kind::permit_released) == 600);
  }
  fx.shutdown_and_check();
}

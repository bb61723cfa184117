// drain(stall_timeout) measures progress, not total time (SPEC §2.2):
// success once nothing is pending, an error only after a whole stall period
// without the pending count falling, and a prompt return once it is zero.
#include "harness.hpp"

using namespace fct;

TEST_CASE("drain with nothing pending succeeds at once") {
  fixture fx(2);
  const auto start = std::chrono::steady_clock::now();
  CHECK(fx.coord->drain(hang_limit).ok());
  CHECK(elapsed_since(start) < 5s);
  fx.shutdown_and_check();
}

TEST_CASE("drain succeeds when flushes keep finishing, however long it takes in total") {
  // Four flushes finish 150 ms apart (~600 ms in all); the stall period is
  // 400 ms. A drain that measured total time would fail.
  fixture fx(4);
  std::vector<std::shared_ptr<gate>> gates;
  std::vector<ticket> tickets;
  for (int i = 0; i < 4; ++i) {
    gates.push_back(std::make_shared<gate>());
    tickets.push_back(fx.start(returns_after(gates.back(), "x")));
  }
  std::thread releaser([&gates] {
    for (auto& g : gates) {
      std::this_thread::sleep_for(150ms);
      g->open();
    }
  });
  const auto start = std::chrono::steady_clock::now();
  auto r = fx.coord->drain(400ms);
  const auto took = elapsed_since(start);
  releaser.join();
  CHECK(r.ok());
  CHECK(took >= 450ms);  // it really outlasted one stall period
  CHECK(fx.coord->pending_count() == 0);
  fx.shutdown_and_check();
}

TEST_CASE("drain reports a stall once the count has not fallen for stall_timeout") {
  fixture fx(4);
  auto g = std::make_shared<gate>();
  ticket stuck = fx.start(returns_after(g, "x"));
  ticket behind = fx.start(returns("y"));  // ready, but waits behind seq 0
  const auto start = std::chrono::steady_clock::now();
  auto r = fx.coord->drain(50ms);
  const auto took = elapsed_since(start);
  REQUIRE(!r.ok());
  CHECK(r.error().code == errc::drain_stalled);
  CHECK(r.error().message.find("2 flushes pending") != std::string::npos);
  CHECK(took >= 50ms);
  CHECK(took < 30s);
  g->open();
  CHECK(wait_resolved(stuck).ok());
  CHECK(wait_resolved(behind).ok());
  CHECK(fx.coord->drain(hang_limit).ok());
  fx.shutdown_and_check();
}

TEST_CASE("a waiting drain returns promptly once the count reaches zero") {
  fixture fx(2);
  auto g = std::make_shared<gate>();
  ticket t = fx.start(returns_after(g, "x"));
  std::atomic<bool> returned{false};
  std::chrono::steady_clock::time_point returned_at;
  std::thread drainer([&] {
    auto r = fx.coord->drain(hang_limit);  // a 60 s stall period
    returned_at = std::chrono::steady_clock::now();
    returned = true;
    CHECK(r.ok());
  });
  std::this_thread::sleep_for(30ms);  // let drain start waiting
  CHECK(!returned.load());
  const auto opened_at = std::chrono::steady_clock::now();
  g->open();
  drainer.join();
  // Not at its 60 s deadline: within a few seconds even on a loaded machine.
  CHECK(returned_at - opened_at < 5s);
  CHECK(wait_resolved(t).ok());
  fx.shutdown_and_check();
}

TEST_CASE("several concurrent drains all return once the count reaches zero") {
  fixture fx(4);
  auto g = std::make_shared<gate>();
  std::vector<ticket> tickets;
  for (int i = 0; i < 4; ++i) tickets.push_back(fx.start(returns_after(g, "x")));
  std::atomic<int> ok{0};
  std::vector<std::thread> drainers;
  for (int i = 0; i < 4; ++i) {
    drainers.emplace_back([&] {
      if (fx.coord->drain(hang_limit).ok()) ++ok;
    });
  }
  std::this_thread::sleep_for(20ms);
  g->open();
  for (auto& d : drainers) d.join();
  CHECK(ok.load() == 4);
  fx.shutdown_and_check();
}

TEST_CASE("drain counts failed and abandoned flushes as finished") {
  fixture fx(4);
  ticket t0 = fx.start([](const payload&, std::stop_token) -> stream_result {
    return flushcoord::stream_error("x");
  });
  { auto dropped = fx.rotate(); }
  ticket t2 = fx.start([](const payload&, std::stop_token) -> stream_result { throw 1; });
  CHECK(fx.coord->drain(hang_limit).ok());
  CHECK(fx.coord->pending_count() == 0);
  CHECK(fx.coord->failed_count() == 3);
  fx.shutdown_and_check();
}

TEST_CASE("drain during shutdown returns and drain after shutdown fails with shut_down") {
  fixture fx(2);
  auto g = std::make_shared<gate>();
  ticket t = fx.start(returns_after(g, "x"));
  std::thread drainer([&] {
    auto r = fx.coord->drain(hang_limit);
    // Either it saw the count reach zero, or shutdown finished first.
    if (!r.ok()) CHECK(r.error().code == errc::shut_down);
  });
  std::thread closer([&] { fx.coord->shutdown(); });
  std::this_thread::sleep_for(20ms);
  g->open();
  closer.join();
  drainer.join();
  auto after = fx.coord->drain(1s);
  REQUIRE(!after.ok());
  CHECK(after.error().code == errc::shut_down);
  fx.shutdown_and_check();
}

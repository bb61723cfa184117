// Ordered finalize on real threads: streams finish in any order, finalize
// runs strictly in sequence order, once each, never two at once, and each
// ticket resolves to its own flush's snapshot id.
#include "harness.hpp"

using namespace fct;

TEST_CASE("out-of-order stream completion is finalized in sequence order") {
  constexpr std::uint64_t flushes = 8;
  fixture fx(flushes, std::nullopt, flushes);  // every blocked stream needs a pool thread
  std::vector<std::shared_ptr<gate>> gates;
  std::vector<ticket> tickets;
  for (std::uint64_t i = 0; i < flushes; ++i) {
    gates.push_back(std::make_shared<gate>());
    tickets.push_back(fx.start(returns_after(gates.back(), "out" + std::to_string(i))));
  }
  // Let every stream but the first finish, latest first. Nothing may be
  // finalized while flush 0 is still streaming.
  for (std::uint64_t i = flushes - 1; i >= 1; --i) {
    gates[i]->open();
    REQUIRE(fx.j->wait_for_event(event_kind::stream_returned, i));
  }
  CHECK(fx.j->finalized_seqs().empty());
  for (auto& t : tickets) CHECK(!t.is_ready());
  CHECK(fx.coord->pending_count() == flushes);

  gates[0]->open();
  for (std::uint64_t i = 0; i < flushes; ++i) {
    auto r = wait_resolved(tickets[i]);
    REQUIRE(r.ok());
    CHECK(r.value() == "snap-" + std::to_string(i) + ":out" + std::to_string(i));
  }
  std::vector<std::uint64_t> expected(flushes);
  for (std::uint64_t i = 0; i < flushes; ++i) expected[i] = i;
  CHECK(fx.j->finalized_seqs() == expected);
  fx.shutdown_and_check();
}

TEST_CASE("sequence numbers are handed out 0, 1, 2 in rotate order") {
  fixture fx(4);
  for (std::uint64_t i = 0; i < 4; ++i) {
    auto rf = fx.rotate();
    CHECK(rf.seq() == i);
    (void)fx.coord->submit(std::move(rf), std::string("x"));
  }
  fx.shutdown_and_check();
}

TEST_CASE("each finalize's parent is the previous finalize's manifest") {
  fixture fx(4);
  std::vector<ticket> tickets;
  for (int i = 0; i < 20; ++i) tickets.push_back(fx.start(returns("m" + std::to_string(i))));
  for (auto& t : tickets) REQUIRE(wait_resolved(t).ok());
  auto calls = fx.j->calls_copy();
  REQUIRE(calls.size() == 20);
  CHECK(calls[0].parent == "genesis");
  for (std::size_t i = 1; i < calls.size(); ++i) CHECK(calls[i].parent == calls[i - 1].published);
  fx.shutdown_and_check();
}

TEST_CASE("finalizes never overlap under many concurrent producers") {
  fixture fx(8, std::nullopt, 4);
  constexpr int producers = 4;
  constexpr int per_producer = 200;
  std::vector<std::thread> threads;
  std::mutex tickets_m;
  std::vector<ticket> tickets;
  for (int p = 0; p < producers; ++p) {
    threads.emplace_back([&fx, &tickets_m, &tickets, p] {
      for (int i = 0; i < per_producer; ++i) {
        auto t = fx.start(
            [i](const payload&, std::stop_token) -> stream_result {
              if (i % 7 == 0) std::this_thread::sleep_for(100us);
              return std::string("v");
            },
            payload{p * per_producer + i});
        std::lock_guard<std::mutex> hold(tickets_m);
        tickets.push_back(std::move(t));
      }
    });
  }
  for (auto& t : threads) t.join();
  for (auto& t : tickets) REQUIRE(wait_resolved(t).ok());
  auto seqs = fx.j->finalized_seqs();
  REQUIRE(seqs.size() == producers * per_producer);
  for (std::size_t i = 0; i < seqs.size(); ++i) REQUIRE(seqs[i] == i);
  fx.shutdown_and_check();  // includes "two finalizes at once" violations
}

TEST_CASE("inline submit and spawned streams share one order") {
  fixture fx(4);
  auto g = std::make_shared<gate>();
  ticket t0 = fx.start(returns_after(g, "slow"));  // seq 0, streaming
  ticket t1 = fx.coord->submit(fx.rotate(), std::string("inline"));  // seq 1, ready
  ticket t2 = fx.coord->submit(fx.rotate(), flushcoord::stream_error("inline failure"));
  REQUIRE(fx.j->wait_for_event(event_kind::submitted, 2));
  CHECK(!t1.is_ready());  // waits behind seq 0
  g->open();
  CHECK(wait_resolved(t0).value() == "snap-0:slow");
  CHECK(wait_resolved(t1).value() == "snap-1:inline");
  auto r2 = wait_resolved(t2);
  REQUIRE(!r2.ok());
  CHECK(r2.error().code == errc::stream_failed);
  CHECK(r2.error().message.find("inline failure") != std::string::npos);
  CHECK(fx.j->finalized_seqs() == std::vector<std::uint64_t>{0, 1, 2});
  fx.shutdown_and_check();
}

// SPEC §2.1: a failure names the cause and the sequence number, whether the
// stream ran as a task or inline (submit).
TEST_CASE("an inline submitted error names its sequence number") {
  fixture fx(2);
  ticket t = fx.coord->submit(fx.rotate(), flushcoord::stream_error("inline failure"));
  auto r = wait_resolved(t);
  REQUIRE(!r.ok());
  CHECK(r.error().seq == 0u);
  CHECK(r.error().message.find("flush 0") != std::string::npos);
  fx.shutdown_and_check();
}

TEST_CASE("ticket copies share one outcome and wait_for times out then resolves") {
  fixture fx(2);
  auto g = std::make_shared<gate>();
  ticket t = fx.start(returns_after(g, "late"));
  ticket copy = t;
  auto early = t.wait_for(20ms);
  REQUIRE(!early.ok());
  CHECK(early.error().code == errc::ticket_timeout);
  CHECK(t.valid());
  CHECK(!t.try_get().has_value());
  g->open();
  CHECK(wait_resolved(copy).value() == "snap-0:late");
  CHECK(t.wait().value() == "snap-0:late");
  REQUIRE(t.try_get().has_value());
  CHECK(t.is_ready());
  fx.shutdown_and_check();
}

TEST_CASE("ticket copies made and dropped on many threads keep the cell until the last goes") {
  // A ticket is one pointer to a cell with an atomic count: copies, moves
  // and assignments race here (ThreadSanitizer watches), and the ticket
  // must still read its outcome after the coordinator is gone (AddressSanitizer
  // watches for a cell freed too early).
  fixture fx(2);
  ticket t = fx.start(returns("x"));
  std::vector<std::thread> threads;
  for (int i = 0; i < 4; ++i) {
    threads.emplace_back([&t] {
      for (int round = 0; round < 20000; ++round) {
        ticket copy = t;
        ticket moved = std::move(copy);
        CHECK(!copy.valid());  // NOLINT(bugprone-use-after-move): the moved-from state is the point
        copy = moved;
        moved = copy;
        if (!moved.valid()) FAIL("a copied ticket became invalid");
      }
    });
  }
  for (auto& th : threads) th.join();
  ticket last = t;
  t = ticket{};
  CHECK(!t.valid());
  fx.shutdown_and_check();
  fx.coord.reset();  // the coordinator's state may go; the ticket's cell and lock stay
  CHECK(last.wait().value() == "snap-0:x");
  CHECK(last.try_get()->value() == "snap-0:x");
}

TEST_CASE("many threads may wait on one ticket") {
  fixture fx(2);
  auto g = std::make_shared<gate>();
  ticket t = fx.start(returns_after(g, "shared"));
  std::atomic<int> ok{0};
  std::vector<std::thread> waiters;
  for (int i = 0; i < 8; ++i) {
    waiters.emplace_back([t, &ok] {
      if (t.wait().value() == "snap-0:shared") ++ok;
    });
  }
  g->open();
  for (auto& w : waiters) w.join();
  CHECK(ok.load() == 8);
  fx.shutdown_and_check();
}

TEST_CASE("a dropped ticket does not cancel its flush") {
  fixture fx(2);
  { (void)fx.start(returns("unwatched")); }
  REQUIRE(fx.coord->drain(hang_limit).ok());
  auto calls = fx.j->calls_copy();
  REQUIRE(calls.size() == 1);
  CHECK(calls[0].success_path);
  CHECK(calls[0].published == "snap-0:unwatched");
  fx.shutdown_and_check();
}

TEST_CASE("the payload is released once its flush is finalized") {
  fixture fx(2);
  auto destroyed = std::make_shared<std::atomic<int>>(0);
  payload p{7};
  p.destroyed = destroyed;
  const int before = destroyed->load();
  ticket t = fx.start(returns("p"), std::move(p));
  REQUIRE(wait_resolved(t).ok());
  REQUIRE(fx.coord->drain(hang_limit).ok());
  fx.shutdown_and_check();
  // Moved-from shells do not count; the one live payload is destroyed once.
  CHECK(destroyed->load() - before == 1);
}

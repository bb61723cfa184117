// Bad input is reported loudly (usage_error), never undefined behaviour:
// invalid options, timeouts <= 0, double submission, moved-from and foreign
// objects, wrong result access.
#include "harness.hpp"

#include <limits>

using namespace fct;

namespace {

auto make(runtime& rt, flushcoord::options o) {
  return std::make_unique<coordinator>(rt, test_engine{std::make_shared<journal>()}, o);
}

}  // namespace

TEST_CASE("max_pending_flushes of 0 or beyond the limit is refused") {
  runtime rt(flushcoord::prod::runtime_options{1});
  CHECK_THROWS_AS(make(rt, make_options(0)), flushcoord::usage_error);
  CHECK_THROWS_AS(make(rt, make_options(flushcoord::max_pending_flushes_limit + 1)),
                  flushcoord::usage_error);
  CHECK_THROWS_AS(make(rt, make_options(std::numeric_limits<std::size_t>::max())),
                  flushcoord::usage_error);
  auto largest = make(rt, make_options(flushcoord::max_pending_flushes_limit));
  CHECK(largest->permits_available() == flushcoord::max_pending_flushes_limit);
  largest->shutdown();
  auto smallest = make(rt, make_options(1));
  CHECK(smallest->max_pending_flushes() == 1);
  smallest->shutdown();
}

TEST_CASE("a stream_timeout <= 0 is refused") {
  runtime rt(flushcoord::prod::runtime_options{1});
  CHECK_THROWS_AS(make(rt, make_options(2, 0ns)), flushcoord::usage_error);
  CHECK_THROWS_AS(make(rt, make_options(2, -1ms)), flushcoord::usage_error);
  CHECK_THROWS_WITH_AS(make(rt, make_options(2, -5ns)),
                       doctest::Contains("stream_timeout"), flushcoord::usage_error);
}

TEST_CASE("timeouts <= 0 for acquire_permit_for, drain and wait_for are refused") {
  fixture fx(2);
  CHECK_THROWS_AS((void)fx.coord->acquire_permit_for(0ns), flushcoord::usage_error);
  CHECK_THROWS_AS((void)fx.coord->acquire_permit_for(-1s), flushcoord::usage_error);
  CHECK_THROWS_AS((void)fx.coord->drain(0ns), flushcoord::usage_error);
  CHECK_THROWS_AS((void)fx.coord->drain(-1ms), flushcoord::usage_error);
  ticket t = fx.start(returns("x"));
  CHECK_THROWS_AS((void)t.wait_for(0ns), flushcoord::usage_error);
  CHECK_THROWS_AS((void)t.wait_for(-1ns), flushcoord::usage_error);
  CHECK(wait_resolved(t).ok());
  CHECK(fx.coord->permits_available() == 2);  // refused calls took nothing
  fx.shutdown_and_check();
}

TEST_CASE("submitting a rotated flush twice is refused and the first submission stands") {
  fixture fx(2);
  auto rf = fx.rotate();
  ticket first = fx.coord->submit(std::move(rf), std::string("once"));
  CHECK_THROWS_AS((void)fx.coord->submit(std::move(rf), std::string("twice")),
                  flushcoord::usage_error);
  CHECK_THROWS_AS((void)fx.coord->spawn_stream(std::move(rf), returns("thrice")),
                  flushcoord::usage_error);
  CHECK(wait_resolved(first).value() == "snap-0:once");
  CHECK(fx.j->finalized_seqs() == std::vector<std::uint64_t>{0});
  fx.shutdown_and_check();
}

TEST_CASE("moved-from and default-constructed objects are refused") {
  fixture fx(2);
  auto rf = fx.rotate();
  auto moved_to = std::move(rf);
  CHECK(!rf.valid());
  CHECK(moved_to.valid());
  CHECK_THROWS_AS((void)rf.payload(), flushcoord::usage_error);
  CHECK_THROWS_AS((void)fx.coord->submit(std::move(rf), std::string("x")),
                  flushcoord::usage_error);
  ticket t = fx.coord->submit(std::move(moved_to), std::string("y"));

  ticket moved_ticket = std::move(t);
  CHECK(!t.valid());
  CHECK_THROWS_AS((void)t.wait(), flushcoord::usage_error);
  CHECK_THROWS_AS((void)t.wait_for(1s), flushcoord::usage_error);
  CHECK_THROWS_AS((void)t.try_get(), flushcoord::usage_error);
  CHECK_THROWS_AS((void)t.is_ready(), flushcoord::usage_error);
  ticket never;
  CHECK_THROWS_AS((void)never.wait(), flushcoord::usage_error);
  CHECK(wait_resolved(moved_ticket).ok());

  coordinator::permit empty;
  CHECK(!empty.valid());
  CHECK_THROWS_AS((void)fx.coord->rotate(std::move(empty), payload{}), flushcoord::usage_error);
  auto p = fx.coord->acquire_permit();
  REQUIRE(p.ok());
  coordinator::permit taken = std::move(p).value();
  coordinator::permit thief = std::move(taken);
  CHECK_THROWS_AS((void)fx.coord->rotate(std::move(taken), payload{}), flushcoord::usage_error);
  CHECK(fx.coord->permits_available() == 1);  // `thief` still holds one
  CHECK(fx.coord->pending_count() == 0);
  fx.shutdown_and_check();
}

TEST_CASE("permits and rotated flushes of another coordinator are refused") {
  fixture a(2);
  fixture b(2);
  auto foreign_permit = b.coord->acquire_permit();
  REQUIRE(foreign_permit.ok());
  CHECK_THROWS_AS((void)a.coord->rotate(std::move(foreign_permit).value(), payload{}),
                  flushcoord::usage_error);
  auto foreign_rf = b.rotate();
  CHECK_THROWS_AS((void)a.coord->submit(std::move(foreign_rf), std::string("x")),
                  flushcoord::usage_error);
  CHECK(a.coord->pending_count() == 0);
  CHECK(a.coord->permits_available() == 2);
  a.shutdown_and_check();
  b.shutdown_and_check();
}

TEST_CASE("reading the wrong side of a result is refused") {
  result<std::string> ok(std::string("v"));
  CHECK_THROWS_AS((void)ok.error(), flushcoord::usage_error);
  result<std::string> bad(flushcoord::stream_error("e"));
  CHECK_THROWS_AS((void)bad.value(), flushcoord::usage_error);
  result<void> done;
  CHECK_THROWS_AS((void)done.error(), flushcoord::usage_error);
}

TEST_CASE("calls after shutdown fail cleanly and observation still works") {
  fixture fx(2);
  fx.coord->shutdown();
  fx.j->shutdown_returned = true;
  CHECK(fx.coord->acquire_permit().error().code == errc::shut_down);
  CHECK(fx.coord->drain(1s).error().code == errc::shut_down);
  fx.coord->close();
  fx.coord->shutdown();
  CHECK(fx.coord->pending_count() == 0);
  CHECK(fx.coord->permits_available() == 2);
  CHECK(fx.coord->failed_count() == 0);
  CHECK(!fx.coord->last_failure().has_value());
  CHECK(fx.coord->is_closed());
  fx.shutdown_and_check();
}

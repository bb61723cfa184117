// Coverage marks in the library build: without FLUSHCOORD_ENABLE_COVERAGE_MARKS
// (which this binary, like every user of the library, never defines) a mark
// is no code at all. tests/flushsim/coverage_test.cpp runs the same calls
// with the marks compiled in and sees them set.
#include "harness.hpp"

#include <flushcoord/coverage.hpp>

#if defined(FLUSHCOORD_ENABLE_COVERAGE_MARKS)
#error "coordinator_test is the library build: it must not count coverage marks"
#endif

using namespace fct;

static_assert(!flushcoord::coverage::enabled);

// Constant evaluation fails on a write to a thread_local: these marks pass
// only because they expand to nothing.
constexpr bool marks_are_no_code() {
  FLUSHCOORD_MARK(rotate_refused_closed);
  FLUSHCOORD_MARK_IF(true, drain_stalled);
  return true;
}
static_assert(marks_are_no_code());

TEST_CASE("without the define a mark's condition is not even evaluated") {
  int evaluated = 0;
  FLUSHCOORD_MARK_IF(++evaluated > 0, drain_stalled);
  CHECK(evaluated == 0);
}

TEST_CASE("without the define the coordinator's rare paths count nothing") {
  fixture fx(1);
  flushcoord::coverage::reset();
  auto p = fx.coord->try_acquire_permit();
  REQUIRE(p.ok());
  auto refused = fx.coord->try_acquire_permit();
  REQUIRE(!refused.ok());
  CHECK(refused.error().code == errc::no_permit);
  fx.coord->close();
  auto rotated = fx.coord->rotate(std::move(p).value(), payload{});
  REQUIRE(!rotated.ok());
  CHECK(rotated.error().code == errc::shut_down);
  fx.shutdown_and_check();
  auto drained = fx.coord->drain(1ms);
  REQUIRE(!drained.ok());
  CHECK(drained.error().code == errc::shut_down);
  // The calls above took try_acquire_no_permit, rotate_refused_closed,
  // permit_returned_unused and drain_after_shutdown on this thread.
  CHECK(flushcoord::coverage::this_thread_hits.none());
}

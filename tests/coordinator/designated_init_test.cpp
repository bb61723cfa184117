// The options structs of core and prod take C++20 designated initializers
// with any field left out, and compile cleanly under -Wall -Wextra -Werror:
// GCC's -Wmissing-field-initializers fires for an omitted member that has
// no default member initializer (issue 12). This file is compiled with
// -Werror (tests/coordinator/CMakeLists.txt), so a member added without a
// default breaks the build here, not in a user's. The checks below pin the
// defaults the omitted fields keep.
#include <doctest/doctest.h>

#include <chrono>

#include <flushcoord/error.hpp>
#include <flushcoord/options.hpp>
#include <flushcoord/prod/runtime.hpp>

namespace fc = flushcoord;
using namespace std::chrono_literals;

TEST_CASE("options: designated initializers with omitted fields keep the defaults") {
  const fc::options only_permits{.max_pending_flushes = 8};
  CHECK(only_permits.max_pending_flushes == 8);
  CHECK_FALSE(only_permits.stream_timeout.has_value());
  CHECK(only_permits.listener == nullptr);
  CHECK_FALSE(only_permits.collect_metrics);

  const fc::options only_timeout{.stream_timeout = 30s};
  CHECK(only_timeout.max_pending_flushes == fc::options{}.max_pending_flushes);
  CHECK(only_timeout.stream_timeout == fc::nanoseconds(30s));
  CHECK_NOTHROW(fc::validate(only_timeout));
}

TEST_CASE("prod::runtime_options: designated initializers with omitted fields keep the defaults") {
  const fc::prod::runtime_options threads{.stream_threads = 4};
  CHECK(threads.stream_threads == 4);
  CHECK_FALSE(threads.callers_run_streams);
  CHECK(threads.stream_search_spins == 0);

  const fc::prod::runtime_options opt_in{.callers_run_streams = true, .short_stream = 5us};
  CHECK(opt_in.stream_threads == 0);
  CHECK(opt_in.on_call_timeout == fc::prod::runtime_options{}.on_call_timeout);
}

TEST_CASE("flush_error: a designated initializer may leave out seq and message") {
  const fc::flush_error e{.code = fc::errc::stream_failed};
  CHECK_FALSE(e.seq.has_value());
  CHECK(e.message.empty());
}

// The options structs of the simulator and the properties library take
// C++20 designated initializers with any field left out, and compile
// cleanly under -Wall -Wextra -Werror (-Wmissing-field-initializers fires
// for an omitted member without a default member initializer; issue 12).
// Compiled with -Werror (tests/properties/CMakeLists.txt); the checks pin
// the defaults the omitted fields keep.
#include <doctest/doctest.h>

#include "flushcoord/properties/explore.hpp"
#include "flushcoord/properties/scenario.hpp"
#include "flushcoord/properties/shrink.hpp"
#include "flushcoord/sim/config.hpp"

namespace fp = flushcoord::properties;
namespace fs = flushcoord::sim;

TEST_CASE("sim::config: designated initializers with omitted fields keep the defaults") {
  const fs::config c{.seed = 7, .record_events = true};
  CHECK(c.seed == 7);
  CHECK(c.steps_max == fs::config{}.steps_max);
  CHECK(c.stacks == nullptr);
}

TEST_CASE("properties options: designated initializers with omitted fields keep the defaults") {
  const fp::generator_options g{.flushes_max = 3};
  CHECK(g.whole_api);
  const fp::explore_options e{.flushes = 2, .por = flushcoord::sim::por_mode::none};
  CHECK(e.faults.empty());
  CHECK(e.mutant.empty());
  const fp::shrink_options s{.runs_max = 10};
  CHECK(s.scenario);
}

TEST_CASE("properties scenario: designated initializers with omitted fields keep the defaults") {
  const fp::scenario sc{.max_pending = 2, .writers = 1};
  CHECK(sc.flushes.empty());
  CHECK_FALSE(sc.stream_timeout_ns.has_value());
  CHECK_FALSE(sc.runtime_stop_at_ns.has_value());
  const fp::flush_plan p{.stream_ns = 5, .what = fp::fault::stream_error};
  CHECK(p.hold_ns == -1);
  const fp::timed_call t{.at_ns = 3};
  CHECK(t.timeout_ns == 0);
}

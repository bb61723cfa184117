// RapidCheck against a mutant: the property must fail, and RapidCheck must
// shrink the counterexample (its output shows the shrunk scenario and the
// reproduce string; the test's own output names the flushsim command).
#include <doctest/doctest.h>
#include <rapidcheck.h>

#include "flushcoord/mutation.hpp"
#include "flushcoord/properties/run_scenario.hpp"
#include "flushcoord/properties/scenario_gen.hpp"

namespace fc = flushcoord;
namespace fp = flushcoord::properties;
namespace fs = flushcoord::sim;

TEST_CASE("rapidcheck finds and shrinks the finalize_in_arrival_order mutant") {
  fp::pin_rapidcheck_params();
  fc::mutation::active = fc::mutation::id::finalize_in_arrival_order;
  std::size_t smallest_failing = 0;
  const bool held = rc::check("ordered finalize under the arrival-order mutant", [&] {
    const fp::scenario sc = *fp::gen_scenario();
    const auto seed = *rc::gen::arbitrary<std::uint64_t>();
    fs::config cfg;
    cfg.seed = seed;
    fs::simulator sim(cfg);
    const auto out = fp::run_scenario(sc, sim);
    if (!out.ok()) {
      smallest_failing = sc.flushes.size();  // RapidCheck's last failing call is the shrunk one
      RC_FAIL(out.describe() + "\n" + fp::save_counterexample(sc, seed, fp::failed_property(out), out.describe()));
    }
  });
  fc::mutation::active = fc::mutation::id::none;
  CHECK_FALSE(held);
  // Reordering needs two flushes; shrinking must get close to that minimum.
  CHECK(smallest_failing >= 2);
  CHECK(smallest_failing <= 4);
}

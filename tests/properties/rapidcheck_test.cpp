// RapidCheck drives scenarios and scheduler seeds together. A failure
// shrinks to a smaller scenario; the test then prints RapidCheck's
// reproduce string (RapidCheck's own output) and writes the shrunk scenario
// as a corpus entry with the flushsim command that replays it.
#include <doctest/doctest.h>
#include <rapidcheck.h>

#include "flushcoord/properties/run_scenario.hpp"
#include "flushcoord/properties/scenario_gen.hpp"

namespace fp = flushcoord::properties;
namespace fs = flushcoord::sim;

namespace {

/// The property: any scenario, any schedule seed, every §5 property holds.
bool scenario_holds() {
  fp::pin_rapidcheck_params();
  return rc::check("every §5 property holds for generated scenarios and schedules", [] {
    const fp::scenario sc = *fp::gen_scenario();
    const auto seed = *rc::gen::arbitrary<std::uint64_t>();
    fs::config cfg;
    cfg.seed = seed;
    fs::simulator sim(cfg);
    const auto out = fp::run_scenario(sc, sim);
    if (!out.ok()) RC_FAIL(out.describe() + "\n" + fp::save_counterexample(sc, seed, fp::failed_property(out), out.describe()));
  });
}

}  // namespace

TEST_CASE("rapidcheck: generated scenarios satisfy every property") { CHECK(scenario_holds()); }

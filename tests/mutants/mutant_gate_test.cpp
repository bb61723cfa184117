// The mutant gate: every deliberately broken coordinator of the catalogue
// must be caught by the standard campaign within its seed budget. Prints,
// per mutant, the seeds to the first failure and what caught it.
//
// Built only against flushcoord_properties_mutants (FLUSHCOORD_ENABLE_MUTANTS).
#include <doctest/doctest.h>

#include <cstdio>
#include <string>

#include "flushcoord/properties/mutants.hpp"
#include "flushcoord/properties/run_scenario.hpp"

namespace fc = flushcoord;
namespace fp = flushcoord::properties;
namespace fs = flushcoord::sim;

namespace {

struct hunt {
  std::optional<std::uint64_t> first_failing_seed;
  std::string caught_by;
};

hunt hunt_mutant(const fp::mutant_info& m) {
  fc::mutation::active = m.id;
  hunt h;
  for (std::uint64_t seed = 0; seed < m.seeds_budget && !h.first_failing_seed; ++seed) {
    fs::config cfg;
    cfg.seed = seed;
    fs::simulator sim(cfg);
    const auto out = fp::run_scenario(fp::generate(seed), sim);
    if (!out.ok()) {
      h.first_failing_seed = seed;
      h.caught_by = out.describe();
    }
  }
  fc::mutation::active = fc::mutation::id::none;
  return h;
}

}  // namespace

TEST_CASE("every mutant is killed within its budget") {
  std::printf("%-36s %10s %8s  %s\n", "mutant", "seeds", "budget", "caught by");
  for (const auto& m : fp::mutants) {
    const hunt h = hunt_mutant(m);
    const std::string seeds = h.first_failing_seed ? std::to_string(*h.first_failing_seed + 1) : "survived";
    std::printf("%-36.*s %10s %8llu  %.110s\n", static_cast<int>(m.name.size()), m.name.data(), seeds.c_str(),
                static_cast<unsigned long long>(m.seeds_budget), h.caught_by.c_str());
    CHECK_MESSAGE(h.first_failing_seed.has_value(), "mutant survived: ", std::string(m.name), " (",
                  std::string(m.what), ")");
  }
}

TEST_CASE("the shipped coordinator passes the seeds the mutants fail on") {
  // Guards against a gate that kills mutants because the harness itself is
  // broken: with no mutant active, the same seeds must be clean.
  REQUIRE(fc::mutation::active == fc::mutation::id::none);
  for (std::uint64_t seed = 0; seed < 300; ++seed) {
    fs::config cfg;
    cfg.seed = seed;
    fs::simulator sim(cfg);
    const auto out = fp::run_scenario(fp::generate(seed), sim);
    REQUIRE_MESSAGE(out.ok(), "seed ", seed, ": ", out.describe());
  }
}

// sim/flushsim/seed_runner.hpp — one seed, one run, on a reused simulator.
//
// A campaign thread owns one seed_runner for all its seeds: the simulator,
// its fiber stack pool and its decision buffer are allocated once, so a
// run costs no mmap and (below the reserved capacity) no allocation in the
// scheduler's hot path.
#pragma once

#include <cstdint>

#include "flushcoord/properties/run_scenario.hpp"
#include "flushcoord/properties/scenario.hpp"
#include "flushcoord/sim/random_walk.hpp"
#include "flushcoord/sim/simulator.hpp"

namespace flushsim {

/// A random_walk whose seed is set before each run instead of being fixed
/// by the simulator's config (which is set at construction), so that one
/// simulator serves many seeds. For seed s it makes exactly the choices of
/// sim::simulator(config{.seed = s}) with its default strategy: both feed s
/// to random_walk::start_run.
class reseedable_walk final : public flushcoord::sim::scheduler {
 public:
  void set_seed(std::uint64_t seed) noexcept { seed_ = seed; }
  void start_run(const flushcoord::sim::run_start&) override { walk_.start_run({seed_}); }
  std::size_t pick(const flushcoord::sim::pick_request& req) override { return walk_.pick(req); }

 private:
  flushcoord::sim::random_walk walk_;
  std::uint64_t seed_ = 0;
};

class seed_runner {
 public:
  seed_runner();
  /// Runs `sc` scheduled by the random walk of `seed`.
  flushcoord::properties::scenario_outcome run(const flushcoord::properties::scenario& sc, std::uint64_t seed);

 private:
  reseedable_walk walk_;
  flushcoord::sim::simulator sim_;  // after walk_: it holds a reference to it
};

}  // namespace flushsim

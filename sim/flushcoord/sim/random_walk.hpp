// flushcoord/sim/random_walk.hpp — uniform random scheduling.
#pragma once

#include "flushcoord/sim/rng.hpp"
#include "flushcoord/sim/scheduler.hpp"

namespace flushcoord::sim {

/// Picks uniformly among the runnable tasks at every choice point, from the
/// scheduling stream derive_seed(run seed, stream_schedule). Simple and
/// surprisingly effective; misses bugs that need a long run of one task
/// without preemption (PCT targets those).
class random_walk final : public scheduler {
 public:
  void start_run(const run_start& run) override;
  std::size_t pick(const pick_request& req) override;

 private:
  rng rng_;
};

}  // namespace flushcoord::sim

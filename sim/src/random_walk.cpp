// sim/src/random_walk.cpp
#include "flushcoord/sim/random_walk.hpp"

namespace flushcoord::sim {

void random_walk::start_run(const run_start& run) {
  rng_.reseed(derive_seed(run.seed, stream_schedule));
}

std::size_t random_walk::pick(const pick_request& req) {
  return static_cast<std::size_t>(rng_.below(req.runnable.size()));
}

}  // namespace flushcoord::sim

// echo_engine.hpp — the smallest engine the sim tests need: the rotated
// state, the outcome and the snapshot id are one int, finalize echoes the
// stream's result and finalize_failure does nothing.
#pragma once

#include <cstdint>

#include <flushcoord/error.hpp>
#include <flushcoord/result.hpp>

namespace flushcoord_sim_tests {

struct echo_engine {
  using rotated_state = int;
  using outcome = int;
  using snapshot_id = int;
  flushcoord::result<int> finalize(std::uint64_t, const int&, int&& o) { return o; }
  void finalize_failure(std::uint64_t, const int&, const flushcoord::flush_error&) {}
};

}  // namespace flushcoord_sim_tests

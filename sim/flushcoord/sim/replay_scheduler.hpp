// flushcoord/sim/replay_scheduler.hpp — replays a recorded schedule.
#pragma once

#include <cstddef>
#include <span>
#include <string>
#include <vector>

#include "flushcoord/sim/decision_log.hpp"
#include "flushcoord/sim/scheduler.hpp"

namespace flushcoord::sim {

/// Makes the recorded choices again, in order. Fails loudly — the run ends
/// as failure_class::nondeterminism, with the decision number and both the
/// recorded and the current runnable-set size in the message — when:
///   * the current runnable set has a different size than recorded (the
///     workload or the runtime behaves differently than when recorded),
///   * the recorded index is out of range for the current set,
///   * the run asks for more decisions than were recorded, or
///   * the run ends before all recorded decisions were used.
class replay_scheduler final : public scheduler {
 public:
  explicit replay_scheduler(std::span<const decision> recorded);

  void start_run(const run_start& run) override;
  std::size_t pick(const pick_request& req) override;
  std::string error() const override { return error_; }
  std::string end_run() override;

 private:
  std::vector<decision> recorded_;
  std::size_t next_ = 0;
  std::string error_;
};

}  // namespace flushcoord::sim

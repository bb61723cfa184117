// sim/src/replay_scheduler.cpp
#include "flushcoord/sim/replay_scheduler.hpp"

#include <fmt/format.h>

namespace flushcoord::sim {

replay_scheduler::replay_scheduler(std::span<const decision> recorded)
    : recorded_(recorded.begin(), recorded.end()) {}

void replay_scheduler::start_run(const run_start&) {
  next_ = 0;
  error_.clear();
}

std::size_t replay_scheduler::pick(const pick_request& req) {
  const std::size_t n = req.runnable.size();
  if (next_ >= recorded_.size()) {
    error_ = fmt::format(
        "replay diverged at decision {}: the recording has only {} decisions but the run "
        "asks for more ({} tasks runnable)",
        next_, recorded_.size(), n);
    return n;
  }
  const decision d = recorded_[next_];
  if (d.size != n || d.index >= n) {
    error_ = fmt::format(
        "replay diverged at decision {} (step {}): recorded choice {} of {} runnable tasks, "
        "but {} are runnable now",
        next_, req.step, d.index, d.size, n);
    return n;
  }
  ++next_;
  return d.index;
}

std::string replay_scheduler::end_run() {
  if (next_ == recorded_.size()) return {};
  return fmt::format(
      "replay diverged: the run ended after {} of {} recorded decisions", next_,
      recorded_.size());
}

}  // namespace flushcoord::sim

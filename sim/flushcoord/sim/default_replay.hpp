// flushcoord/sim/default_replay.hpp — replay that never diverges.
//
// For shrinking (properties/shrink.hpp): a candidate schedule is an edited
// decision list (chunks removed, preemptions undone), which usually stops
// fitting the run somewhere. replay_scheduler would fail loudly there; this
// one instead takes the recorded index while it is in range for the current
// runnable set, and once the list runs out or an index does not fit, the
// deterministic DEFAULT: keep running the current task if it is still
// runnable (no preemption), else the lowest task id. The run's own decision
// log then holds the exact schedule, which replay_scheduler replays.
#pragma once

#include <cstddef>
#include <span>
#include <vector>

#include "flushcoord/sim/decision_log.hpp"
#include "flushcoord/sim/scheduler.hpp"

namespace flushcoord::sim {

class default_replay final : public scheduler {
 public:
  explicit default_replay(std::span<const decision> recorded)
      : recorded_(recorded.begin(), recorded.end()) {}

  void start_run(const run_start&) override {
    next_ = 0;
    defaulted_ = 0;
    preemptions_ = 0;
    defaults_.clear();
  }

  std::size_t pick(const pick_request& req) override {
    const std::size_t n = req.runnable.size();
    std::size_t index = default_index(req);
    if (next_ < recorded_.size() && recorded_[next_].index < n) {
      index = recorded_[next_].index;
    } else {
      ++defaulted_;
    }
    ++next_;
    const std::size_t def = default_index(req);
    const bool preempts = req.current != no_task && req.runnable[def] == req.current && index != def;
    if (preempts) ++preemptions_;
    defaults_.push_back(preempts ? static_cast<std::uint32_t>(def) : no_preemption);
    return index;
  }

  /// The default choice: the current task if runnable, else the lowest id.
  static std::size_t default_index(const pick_request& req) {
    for (std::size_t i = 0; i < req.runnable.size(); ++i)
      if (req.runnable[i] == req.current) return i;
    return 0;
  }

  /// Of the last run: choices that fell back to the default, preemptions.
  std::size_t defaulted() const noexcept { return defaulted_; }
  std::size_t preemptions() const noexcept { return preemptions_; }
  /// Per decision of the last run: the index that would have kept the
  /// current task running where the decision preempted it, else
  /// no_preemption.
  std::span<const std::uint32_t> preemption_defaults() const noexcept { return defaults_; }
  static constexpr std::uint32_t no_preemption = 0xffffffffu;

 private:
  std::vector<decision> recorded_;
  std::size_t next_ = 0;
  std::size_t defaulted_ = 0;
  std::size_t preemptions_ = 0;
  std::vector<std::uint32_t> defaults_;
};

}  // namespace flushcoord::sim

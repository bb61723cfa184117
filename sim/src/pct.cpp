// sim/src/pct.cpp — PCT (Burckhardt et al., ASPLOS 2010); see pct.hpp.
#include "flushcoord/sim/pct.hpp"

#include <algorithm>
#include <cmath>
#include <stdexcept>

namespace flushcoord::sim {

pct::pct(pct_options opts) : opts_(opts) {
  if (opts_.depth < 1) throw std::invalid_argument("pct: depth must be at least 1");
  if (opts_.expected_steps < 1) throw std::invalid_argument("pct: expected_steps must be at least 1");
  priority_.reserve(64);
  change_steps_.reserve(opts_.depth);
}

void pct::start_run(const run_start& run) {
  rng_.reseed(derive_seed(run.seed, stream_pct));
  priority_.clear();
  change_steps_.clear();
  for (std::uint32_t i = 1; i < opts_.depth; ++i)
    change_steps_.push_back(1 + rng_.below(opts_.expected_steps));
  std::sort(change_steps_.begin(), change_steps_.end());
  next_change_ = 0;
  steps_ = 0;
}

// Initial priorities are d + a random 63-bit draw, so every one is above the
// change-point priorities 1..d-1; equal draws (2^-63) fall back to task id.
std::uint64_t pct::priority_of(task_id t) {
  while (priority_.size() <= t) priority_.push_back(opts_.depth + (rng_.next() >> 1));
  return priority_[t];
}

std::size_t pct::pick(const pick_request& req) {
  steps_ = req.step;
  std::size_t best = 0;
  for (std::size_t i = 1; i < req.runnable.size(); ++i) {
    const std::uint64_t a = priority_of(req.runnable[i]);
    const std::uint64_t b = priority_of(req.runnable[best]);
    if (a > b || (a == b && req.runnable[i] < req.runnable[best])) best = i;
  }
  // A change point reached (choice points are sparser than steps, so every
  // change point passed since the last pick applies now): the task about to
  // run drops below all others, and the best of the rest runs instead.
  bool changed = false;
  while (next_change_ < change_steps_.size() && change_steps_[next_change_] <= req.step) {
    priority_of(req.runnable[best]);
    priority_[req.runnable[best]] = opts_.depth - 1 - next_change_;
    ++next_change_;
    changed = true;
  }
  if (changed) {
    best = 0;
    for (std::size_t i = 1; i < req.runnable.size(); ++i)
      if (priority_[req.runnable[i]] > priority_[req.runnable[best]]) best = i;
  }
  return best;
}

std::string pct::end_run() { return {}; }

std::optional<double> pct::guarantee() const { return bound(opts_.depth, priority_.size(), steps_); }

double pct::bound(std::uint32_t depth, std::uint64_t n, std::uint64_t k) noexcept {
  const double nn = std::max<double>(1.0, static_cast<double>(n));
  const double kk = std::max<double>(1.0, static_cast<double>(k));
  return 1.0 / (nn * std::pow(kk, static_cast<double>(depth) - 1.0));
}

}  // namespace flushcoord::sim

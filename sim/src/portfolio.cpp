// sim/src/portfolio.cpp — see portfolio.hpp.
#include "flushcoord/sim/portfolio.hpp"

namespace flushcoord::sim {

portfolio_slot portfolio_slot_for(std::uint64_t run_seed) noexcept {
  static constexpr std::array<std::string_view, 4> cycle = {"random", "pct1", "pct2", "pct3"};
  return portfolio_slot{cycle[run_seed % 4], (run_seed / 4) % 3 != 2};
}

portfolio::portfolio(std::uint64_t expected_steps)
    : pct_{pct(pct_options{1, expected_steps}), pct(pct_options{2, expected_steps}),
           pct(pct_options{3, expected_steps})} {}

void portfolio::start_run(const run_start& run) {
  active_name_ = portfolio_slot_for(run.seed).strategy;
  if (active_name_ == "random") {
    active_ = &walk_;
  } else {
    active_ = &pct_[static_cast<std::size_t>(active_name_.back() - '1')];
  }
  active_->start_run(run);
}

std::unique_ptr<scheduler> make_strategy(std::string_view name, std::uint64_t,
                                         std::uint64_t expected_steps) {
  if (name == "random") return std::make_unique<random_walk>();
  if (name == "pct1") return std::make_unique<pct>(pct_options{1, expected_steps});
  if (name == "pct2" || name == "pct") return std::make_unique<pct>(pct_options{2, expected_steps});
  if (name == "pct3") return std::make_unique<pct>(pct_options{3, expected_steps});
  if (name == "portfolio") return std::make_unique<portfolio>(expected_steps);
  return nullptr;
}

}  // namespace flushcoord::sim

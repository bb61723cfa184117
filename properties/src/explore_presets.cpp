// properties/src/explore_presets.cpp — the named configurations of
// `flushsim explore --preset NAME` (explore.hpp). Each is small enough to
// complete without a bound; tests/search/explore_preset_test.cpp pins their
// execution counts and which own mutants each finds.
#include <algorithm>
#include <array>

#include "flushcoord/properties/explore.hpp"

namespace flushcoord::properties {

namespace {

constexpr std::int64_t us = 1'000;

void fixed(explore_options& o) {
  o.flushes = 3;
  o.max_pending = 2;
  o.drains = 1;
  o.shutdowns = 1;
}

/// The fault target: 2 flushes, every fault choice, 1 shutdown.
void faults(explore_options& o) {
  o.flushes = 2;
  o.max_pending = 1;
  o.drains = 0;
  o.shutdowns = 1;
  o.fault_choices = all_fault_choices();
  o.runtime_stop_choice = true;
}

/// Streams that hang past their timeout (ignoring the stop) or finish
/// exactly at their deadline. (A stall is in `faults`: a stream sleeping on
/// its stop token is dependent on everything, access.hpp, so stalls here
/// would multiply the count by 6.)
void timeouts(explore_options& o) {
  o.flushes = 2;
  o.max_pending = 1;
  o.drains = 0;
  o.shutdowns = 0;
  o.fault_choices = {fault::none, fault::stream_hang, fault::stream_at_deadline};
}

/// Two writers competing for one permit, a shutdown racing them.
void two_writers(explore_options& o) {
  o.flushes = 2;
  o.max_pending = 1;
  o.drains = 0;
  o.shutdowns = 1;
  o.writers = 2;
}

/// A close at time 0, racing the first rotates and submits and a timed
/// permit acquire.
void close_races(explore_options& o) {
  o.flushes = 2;
  o.max_pending = 1;
  o.drains = 0;
  o.shutdowns = 0;
  o.acquire_for_ns = 300 * us;
  o.close_at_ns = {0};
}

constexpr std::array presets{
    explore_preset{"fixed", "3 flushes, 2 permits, a drain and a shutdown; no faults (the default)", &fixed},
    explore_preset{"faults", "2 flushes, 1 permit, a shutdown; every fault choice for each flush, and the runtime stop",
                   &faults},
    explore_preset{"timeouts", "2 flushes, 1 permit; each stream ok, hanging past its timeout or finishing at its deadline",
                   &timeouts},
    explore_preset{"two-writers", "2 writers, 1 permit, a shutdown racing both", &two_writers},
    explore_preset{"close-races", "a close at time 0 racing rotate, submit and a timed acquire; 1 permit",
                   &close_races},
};

}  // namespace

std::span<const explore_preset> explore_presets() { return presets; }

const explore_preset* find_explore_preset(std::string_view name) {
  const auto it = std::find_if(presets.begin(), presets.end(), [&](const explore_preset& p) { return p.name == name; });
  return it == presets.end() ? nullptr : &*it;
}

}  // namespace flushcoord::properties

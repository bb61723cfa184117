// flushcoord/sim/config.hpp — the options of one simulator.
#pragma once

#include <chrono>
#include <cstddef>
#include <cstdint>

#include "flushcoord/sim/debug_break.hpp"

namespace flushcoord::sim {

class stack_pool;

/// Options of a simulator. Everything that influences a schedule is here or
/// in the scheduler; nothing is read from the environment.
struct config {
  /// Seed of the run. The default strategy (random_walk) derives its own
  /// stream from it; workloads should derive theirs with derive_seed().
  std::uint64_t seed = 0;

  /// Scheduling points allowed in one run before it fails as step_budget.
  /// A livelock (tasks spinning with yield or lock/unlock) hits this bound.
  std::uint64_t steps_max = 10'000'000;

  /// Virtual time a run may reach before it fails as time_budget.
  std::chrono::nanoseconds virtual_time_max = std::chrono::hours(24);

  /// Usable bytes per fiber stack; 0 picks the build's default (256 KiB, or
  /// 1 MiB under AddressSanitizer whose redzones make frames larger).
  /// Ignored when `stacks` is set: the shared pool's size rules.
  std::size_t stack_size = 0;

  /// Keep every event in simulator::events() (for a readable trace file),
  /// up to the failure: what the tasks do while a failed run is abandoned
  /// is hashed but not kept. Off by default: the event hash is always
  /// kept, the log costs memory.
  bool record_events = false;

  /// Log what every step reads and writes (simulator::accesses, access.hpp)
  /// for partial-order reduction. Off by default: it costs a push per
  /// operation, which the random-walk hot path must not pay.
  bool record_accesses = false;

  /// Capacity reserved up front for decisions (and events, if recorded) so
  /// the hot path does not allocate in runs shorter than this.
  std::size_t reserve_steps = 1 << 16;

  /// Stop for a debugger just before step `break_at_step` (debug_break.hpp):
  /// `on_break` is called on that step's task, once per run. nullptr
  /// calls flushcoord_sim_break. No effect on the run itself.
  std::uint64_t break_at_step = no_break_step;
  break_handler on_break = nullptr;

  /// Stacks to borrow from; nullptr makes the simulator own a pool. Sharing
  /// one pool between simulators reuses stacks across them too.
  stack_pool* stacks = nullptr;
};

}  // namespace flushcoord::sim

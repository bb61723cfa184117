// flushcoord/detail/lifetime_hooks.hpp — tells a runtime that wants to know
// when a coordinator on it opens and closes (runtime_policy.hpp, optional
// members coordinator_opened / coordinator_closed). A runtime without them
// is told nothing.
#pragma once

#include "flushcoord/runtime_policy.hpp"

namespace flushcoord::detail {

/// Once per coordinator, after its finalizer task was spawned.
template <runtime_policy R>
void note_coordinator_opened(R& rt) noexcept {
  if constexpr (requires { rt.coordinator_opened(); }) rt.coordinator_opened();
}

/// Once per coordinator, when intake first closes (close, shutdown or the
/// destructor), with the coordinator's lock held.
template <runtime_policy R>
void note_coordinator_closed(R& rt) noexcept {
  if constexpr (requires { rt.coordinator_closed(); }) rt.coordinator_closed();
}

}  // namespace flushcoord::detail

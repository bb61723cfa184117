// flushcoord/detail/named.hpp — names for the runtime's mutexes and condvars.
//
// A runtime whose R::mutex or R::condvar has a constructor taking a
// `const char*` gets the coordinator's names for them ("coordinator.lock",
// "coordinator.progress", ...): the simulator prints them in deadlock and
// hang reports and writes them into traces. Any other type is
// default-constructed, so naming costs a runtime that ignores names
// nothing at all (runtime_policy.hpp, optional members).
#pragma once

#include <type_traits>

namespace flushcoord::detail {

/// A `T` called `name` (a string literal) if T can take a name, else a
/// default-constructed one. Returned as a prvalue: T need not be movable.
template <class T>
T make_named(const char* name) {
  if constexpr (std::is_constructible_v<T, const char*>)
    return T(name);
  else
    return T();
}

}  // namespace flushcoord::detail

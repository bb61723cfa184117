// flushcoord/detail/deadline.hpp — a deadline that cannot overflow.
//
// Every duration the API takes is a relative timeout, turned into an
// absolute deadline on the runtime's clock. `now + timeout` overflows (and
// is undefined behaviour) for a large enough timeout: nanoseconds::max(),
// the usual way to say "no timeout", does so at any now > 0, and the
// wrapped result lies in the past, so the wait would end at once. SPEC §2.7:
// every duration up to nanoseconds::max() keeps its meaning.
#pragma once

#include <optional>

#include "flushcoord/runtime_policy.hpp"

namespace flushcoord::detail {

/// The deadline `timeout` after `now`, or empty for "no deadline": when
/// `timeout` is nanoseconds::max(), or when the sum would not fit. A timeout
/// <= 0 gives `now` (already due); callers reject those before they wait.
/// Both runtimes' clocks are >= 0, so a positive timeout only overflows up.
constexpr std::optional<nanoseconds> deadline_after(nanoseconds now, nanoseconds timeout) noexcept {
  if (timeout.count() <= 0) return now;
  if (timeout == nanoseconds::max()) return std::nullopt;
  if (now.count() > 0 && timeout > nanoseconds::max() - now) return std::nullopt;
  return now + timeout;
}

static_assert(!deadline_after(nanoseconds(1), nanoseconds::max()));
static_assert(!deadline_after(nanoseconds(0), nanoseconds::max()));
static_assert(!deadline_after(nanoseconds::max() - nanoseconds(1), nanoseconds(2)));
static_assert(*deadline_after(nanoseconds::max() - nanoseconds(2), nanoseconds(2)) ==
              nanoseconds::max());
static_assert(*deadline_after(nanoseconds(5), nanoseconds(1)) == nanoseconds(6));

}  // namespace flushcoord::detail

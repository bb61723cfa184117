// flushcoord/options.hpp — construction-time settings, validated once.
#pragma once

#include <cstddef>
#include <memory>
#include <optional>
#include <string>

#include "flushcoord/error.hpp"
#include "flushcoord/runtime_policy.hpp"

namespace flushcoord {

class event_listener;  // listener.hpp

struct options {
  /// Upper bound on flushes that are rotated and not yet finalized: the
  /// number of permits. Must be in [1, max_pending_flushes_limit].
  std::size_t max_pending_flushes = 4;

  /// A stream still running this long after it was spawned is failed with
  /// errc::stream_timeout, its stop_token is signalled and whatever it
  /// returns later is discarded. Empty: no timeout. Must be > 0 when set.
  /// nanoseconds::max(), or any value whose deadline would overflow the
  /// runtime's clock, also means no timeout (detail/deadline.hpp).
  std::optional<nanoseconds> stream_timeout{};

  /// Told of every coordinator event, outside the coordinator's lock, with
  /// timestamps on the runtime's clock (listener.hpp). Empty: none.
  std::shared_ptr<event_listener> listener{};

  /// Keep counters and duration histograms for coordinator::metrics()
  /// (metrics.hpp). Off by default: timing costs a clock read per event.
  bool collect_metrics = false;
};

/// The largest accepted max_pending_flushes. The reorder window holds one
/// entry per permit, so an "unbounded" value would only hide a bug.
inline constexpr std::size_t max_pending_flushes_limit = 1u << 20;

/// Throws usage_error naming the first invalid field.
inline void validate(const options& o) {
  if (o.max_pending_flushes == 0)
    throw usage_error("options::max_pending_flushes must be at least 1 (got 0)");
  if (o.max_pending_flushes > max_pending_flushes_limit)
    throw usage_error("options::max_pending_flushes must be at most " +
                      std::to_string(max_pending_flushes_limit) + " (got " +
                      std::to_string(o.max_pending_flushes) + ")");
  if (o.stream_timeout && o.stream_timeout->count() <= 0)
    throw usage_error("options::stream_timeout must be > 0 when set (got " +
                      std::to_string(o.stream_timeout->count()) + "ns)");
}

/// Throws usage_error if a caller-supplied timeout is not positive.
inline void require_positive(nanoseconds timeout, const char* what) {
  if (timeout.count() <= 0)
    throw usage_error(std::string(what) + " must be > 0 (got " +
                      std::to_string(timeout.count()) + "ns)");
}

}  // namespace flushcoord

// flushcoord/listener.hpp — being told what the coordinator does, outside
// its lock, with timestamps on the runtime's clock.
//
//   struct my_listener : flushcoord::event_listener {
//     void on_event(const flushcoord::listener_event& e) override { ... }
//   };
//   coordinator c(rt, engine, {.listener = std::make_shared<my_listener>()});
//
// What a listener may rely on:
// - It is called with the coordinator's lock RELEASED, so it may take the
//   engine's locks and call the coordinator's observers (pending_count(),
//   metrics(), ...). It must not block for long: the thread delivering is
//   one of the coordinator's (a stream task, the finalizer, a caller), and
//   events queue behind it.
// - Events arrive one at a time, never concurrently, in the order they
//   happened under the lock. A listener needs no lock of its own for state
//   it alone touches.
// - `at` is the runtime's now() when the event happened, not when it is
//   delivered: delivery may lag (it happens at the next release of the
//   coordinator's lock, or before a coordinator wait).
// - on_event should not throw: an event is delivered from destructors and
//   from the coordinator's own tasks, where an exception has nowhere to go.
//   One that does is caught and discarded, and the coordinator carries on.
//   (This is also what lets a listener take the simulator's mutexes: when
//   the simulator abandons a failed run, its locks throw to unwind it.)
//
// Without a listener nothing is queued; the only cost is one test per event.
#pragma once

#include <cstdint>
#include <optional>

#include "flushcoord/error.hpp"
#include "flushcoord/events.hpp"
#include "flushcoord/runtime_policy.hpp"

namespace flushcoord {

/// One coordinator event as a listener sees it: the fields of
/// coordinator_event (events.hpp) plus when it happened and, for the end of
/// something timed, how long that took.
struct listener_event {
  event_kind kind;
  std::uint64_t seq = no_seq;
  std::uint64_t count = 0;
  bool ok = true;
  /// The runtime's now() when the event happened.
  nanoseconds at{0};
  /// For these kinds, how long the thing that just ended took; else zero:
  ///   stream_returned       the stream function's run
  ///   finalize_end          finalize or finalize_failure
  ///   permit_wait_ended     the caller's stall, waiting for a permit
  ///   drain_returned        the drain() call
  ///   shutdown_returning    the shutdown() call
  nanoseconds took{0};

  /// For flush_failed: the failure's code.
  std::optional<errc> failure_code() const {
    if (kind != event_kind::flush_failed || count >= errc_count) return std::nullopt;
    return static_cast<errc>(count);
  }
};

/// Implement on_event; see the top of this file for what it may rely on.
class event_listener {
 public:
  virtual ~event_listener() = default;
  virtual void on_event(const listener_event& e) = 0;
};

}  // namespace flushcoord

// flushcoord/events.hpp — the coordinator's state changes, for observers.
//
// An engine that defines on_event(const coordinator_event&) is told of each
// change below, under the coordinator's lock, in the order the changes
// happen. (To be told outside the lock, with timestamps, install an
// event_listener instead: listener.hpp.) The simulator's property checkers are built on this; an engine
// may use it for metrics. Without on_event nothing is emitted and nothing
// is paid. A runtime that defines on_event(const coordinator_event&) is told
// too, just before the engine (runtime_policy.hpp: the simulator records
// the events in its traces).
#pragma once

#include <cstdint>
#include <limits>
#include <string_view>

namespace flushcoord {

enum class event_kind : std::uint8_t {
  permit_acquired,    // count = permits still available
  permit_released,    // seq = the flush it belonged to, or no_seq for a free permit
  rotated,            // seq assigned; count = pending after the increment
  submitted,          // seq handed to the finalizer with a result (sync path)
  submit_refused,     // seq submitted after close: its ticket is a ready shut_down error
  stream_spawned,     // seq's stream task created
  stream_started,     // seq's stream function is about to run
  stream_returned,    // seq's stream function returned; ok = its result
  stream_lost,        // seq's stream task was destroyed without running
  stream_timed_out,   // seq's deadline passed; stop was requested
  late_result_dropped,// seq's stream returned after its flush was resolved
  abandoned,          // seq's rotated flush was destroyed unsubmitted
  finalize_begin,     // seq; ok = finalize (true) or finalize_failure (false)
  finalize_end,       // seq; ok = the ticket's outcome
  ticket_resolved,    // seq; ok = success
  flush_finished,     // seq; count = pending after the decrement
  shut_down_unfinalized, // seq resolved with errc::shut_down, no finalize
  close_begun,        // intake stopped (shutdown or close)
  finalizer_exited,
  shutdown_returning, // a shutdown() call is about to return; count = pending
  drain_begun,        // a drain() call began; count = pending
  drain_returned,     // a drain() call returns; ok = its result; count = pending
  shutdown_begun,     // a shutdown() call stopped intake and starts joining tasks; count = pending
  permit_wait_begun,  // a caller found no permit and waits (blocking or suspended)
  permit_wait_ended,  // that wait ended; ok = it got a permit (else timed out, shut down, cancelled)
  flush_failed,       // seq (or no_seq) failed; count = its errc, as an integer
};

inline constexpr std::uint64_t no_seq = std::numeric_limits<std::uint64_t>::max();

struct coordinator_event {
  event_kind kind;
  std::uint64_t seq = no_seq;
  std::uint64_t count = 0;
  bool ok = true;
};

}  // namespace flushcoord

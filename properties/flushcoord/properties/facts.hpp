// flushcoord/properties/facts.hpp — what the checkers see of a run.
//
// A run produces one ordered stream of facts: the coordinator's own events
// (flushcoord::coordinator_event, observed through the model engine's
// on_event, under the coordinator's lock) and the workload's observations
// (a finalize was called with this parent, a drain returned, a shutdown
// returned while N coordinator tasks were alive...). Every checker sees
// every fact, in order, with the virtual time it happened at.
#pragma once

#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <string_view>

#include "flushcoord/error.hpp"
#include "flushcoord/events.hpp"

namespace flushcoord::properties {

enum class fact_kind : std::uint8_t {
  coordinator,        // `event` holds a coordinator_event
  finalize_called,    // seq; the engine's finalize was entered; a = plan index
  manifest_published, // seq; a = parent manifest, b = the new manifest
  failure_called,     // seq; finalize_failure ran; code = the error's code; a = plan index
  finalize_returned,  // seq; the engine's finalize or finalize_failure returned
  ticket_read,        // seq; ok; a = snapshot id when ok; code when not; b = 1 for async_wait
  drain_called,       // a = call number, b = stall timeout ns
  drain_returned,     // a = call number; ok; code when not
  shutdown_called,    // a = call number
  shutdown_returned,  // a = call number, b = coordinator tasks still alive
  // The whole-API workload's calls and what they returned (outcome.hpp):
  flush_rotated,      // seq; a = plan index (noted once rotate returned)
  rotate_refused,     // a = plan index; code
  acquire_called,     // a = writer, b = acquire form, c = timeout ns (timed form)
  acquire_returned,   // a = writer, b = acquire form, c = timeout ns; ok; code when not
  ticket_waited_for,  // seq; c = timeout ns; ok; a = snapshot id when ok; code when not
  ticket_polled,      // seq; b = 1 if ready; ok; a = snapshot id when ok; code when not
  close_called,       // a = call number
  runtime_stopped,    // unstarted streams are dropped from now on
  acquire_cancel_requested, // a = writer: stop requested on its pending async acquire
  ticket_cancel_requested,  // seq: stop requested on a pending ticket::async_wait
  ticket_wait_cancelled,    // seq: a ticket::async_wait completed with errc::cancelled
};

/// acquire_called / acquire_returned: which form of the permit API.
enum class acquire_form : std::uint8_t { blocking, try_once, timed, async };

struct fact {
  fact_kind kind = fact_kind::coordinator;
  std::int64_t time_ns = 0;
  coordinator_event event{};
  std::uint64_t seq = no_seq;
  std::uint64_t a = 0;
  std::uint64_t b = 0;
  std::uint64_t c = 0;
  bool ok = true;
  errc code = errc::shut_down;
};

/// Where a checker reports a violation. `property` is the checker's name
/// (it becomes part of the failure message and of the corpus entry).
using violation_sink = std::function<void(std::string_view property, const std::string& message)>;

struct scenario;

/// Facts about the run a checker may need beyond the stream.
struct run_facts {
  std::size_t max_pending = 0;
  std::size_t flushes_planned = 0;
  std::optional<std::int64_t> stream_timeout_ns;
  /// The plan the outcome oracle judges against; null when a checker is
  /// fed hand-made facts (the oracle then checks the history alone).
  const scenario* sc = nullptr;
};

/// The state at the end of a run, after every task has finished.
/// Empty fields could not be read: the run destroyed the coordinator early
/// (scenario::close_early); the checkers then rely on the events alone.
struct end_state {
  std::optional<std::size_t> pending;
  std::optional<std::size_t> permits_available;
  std::optional<std::uint64_t> failed_count;
  std::optional<flush_error> last_failure;
};

/// One property. Each lives in its own header and says in one sentence what
/// it checks and how.
class checker {
 public:
  virtual ~checker() = default;
  virtual std::string_view name() const = 0;
  virtual void observe(const fact& f, const violation_sink& fail) = 0;
  virtual void finish(const end_state& end, const violation_sink& fail) = 0;
};

}  // namespace flushcoord::properties

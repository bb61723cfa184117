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
  finalize_called,    // seq; the engine's finalize was entered
  manifest_published, // seq; a = parent manifest, b = the new manifest
  failure_called,     // seq; finalize_failure ran; code = the error's code
  finalize_returned,  // seq; the engine's finalize or finalize_failure returned
  ticket_read,        // seq; ok; a = snapshot id when ok; code when not
  drain_called,       // a = call number, b = stall timeout ns
  drain_returned,     // a = call number; ok; code when not
  shutdown_called,    // a = call number
  shutdown_returned,  // a = call number, b = coordinator tasks still alive
};

struct fact {
  fact_kind kind = fact_kind::coordinator;
  std::int64_t time_ns = 0;
  coordinator_event event{};
  std::uint64_t seq = no_seq;
  std::uint64_t a = 0;
  std::uint64_t b = 0;
  bool ok = true;
  errc code = errc::shut_down;
};

/// Where a checker reports a violation. `property` is the checker's name
/// (it becomes part of the failure message and of the corpus entry).
using violation_sink = std::function<void(std::string_view property, const std::string& message)>;

/// Facts about the run a checker may need beyond the stream.
struct run_facts {
  std::size_t max_pending = 0;
  std::size_t flushes_planned = 0;
  std::optional<std::int64_t> stream_timeout_ns;
};

/// The state at the end of a run, after every task has finished.
/// Empty fields could not be read: the run destroyed the coordinator early
/// (scenario::close_early); the checkers then rely on the events alone.
struct end_state {
  std::optional<std::size_t> pending;
  std::optional<std::size_t> permits_available;
  std::optional<std::uint64_t> failed_count;
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

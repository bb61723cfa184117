// flushcoord/properties/scenario.hpp — one simulated workload, fully spelled out.
//
// A scenario is everything SPEC §4 randomizes, drawn once from a seed and
// then written down explicitly: the per-flush plan (how long its stream
// takes, which fault it meets), when drains and shutdowns are called, when
// the runtime stops. Spelling it out (rather than re-drawing during the run)
// is what lets RapidCheck shrink it and lets a trace file carry it as text.
//
// Swarm testing (Groce et al., ISSTA 2012): each seed first draws which
// fault kinds are enabled at all and at what rate, so some runs are
// fault-free and others are dense in one kind of fault.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

namespace flushcoord::properties {

/// What happens to one flush.
enum class fault : std::uint8_t {
  none,            // stream succeeds, finalize succeeds
  stream_error,    // stream returns stream_error(...)
  stream_throw,    // stream throws
  stream_stall,    // stream runs past stream_timeout, honouring its stop token
  stream_hang,     // as stall, but ignores the stop token for a long while
  finalize_error,  // finalize returns an error
  finalize_throw,  // finalize throws
  rotate_error,    // the engine's own rotate step fails: no seq is taken
  abandon,         // the rotated flush is destroyed without being submitted
  inline_submit,   // the engine streams inline and uses submit()
  stream_throw_int,   // stream throws an int (not a std::exception)
  stream_throw_user,  // stream throws a user type (not a std::exception)
  stream_at_deadline, // stream succeeds exactly at its stream_timeout
  inline_error,       // the engine streams inline, fails, and submits the error
  // Drawn from a stream of its own (scenario.cpp), so seeds keep the
  // scenarios they had before it joined:
  engine_error,       // the engine's step after rotate() fails: it submits engine_error(...)
  count_,
};

const char* to_string(fault f);

std::optional<fault> fault_from_string(const std::string& s);

/// One flush: what its writer does with the public API, and what its
/// stream and the engine's callbacks do. The fields after commit_path are
/// the workload over the whole API (docs/outcome-oracle.md); their zero
/// values are the original polite writer, so old scenario texts read as
/// they always did.
struct flush_plan {
  std::int64_t stream_ns = 0;   // how long the stream takes (virtual time)
  fault what = fault::none;
  bool drop_ticket = false;     // the writer drops the ticket unread
  bool commit_path = false;     // try-acquire under the flush lock (else blocking acquire first)
  std::uint32_t writer = 0;     // which writer task (scenario::writers) runs it
  /// > 0: the explicit path uses acquire_permit_for(this) instead of the
  /// blocking acquire; on permit_timeout the flush is skipped (no seq).
  std::int64_t acquire_timeout_ns = 0;
  bool drop_permit_first = false;  // take a permit and drop it unused first
  /// >= 0: the rotated flush goes to a holder task that keeps it this long,
  /// then submits it (so submissions come out of rotate order); < 0: the
  /// writer submits at once.
  std::int64_t hold_ns = -1;
  /// The engine's rotate step, finalize and finalize_failure each take this
  /// much virtual time under the flush lock.
  std::int64_t engine_ns = 0;
  /// > 0: right after submitting, the writer waits on the ticket with
  /// wait_for(this); it also keeps it for the final read unless dropped.
  std::int64_t ticket_wait_for_ns = 0;
  bool ticket_poll = false;         // poll try_get() right after submitting
  bool ticket_copy = false;         // keep a copy and a moved-to ticket, read both
  bool failure_throws = false;      // finalize_failure throws for this flush
  /// The explicit path uses async_acquire_permit (the writer is suspended,
  /// not blocked) instead of the blocking or timed acquire.
  bool acquire_async = false;
  /// > 0, with acquire_async: the writer requests a stop of the async
  /// acquire this long after the call if it has not completed yet.
  std::int64_t acquire_cancel_ns = 0;
  /// The final read of the ticket is a ticket::async_wait.
  bool ticket_async = false;
  /// > 0, with ticket_async: a stop is requested this long after the
  /// async_wait if it has not completed; the reader then waits with wait().
  std::int64_t ticket_cancel_ns = 0;
  friend bool operator==(const flush_plan&, const flush_plan&) = default;
};

/// How long flush `p`'s stream runs if nobody stops it, in virtual time:
/// stream_ns, or a multiple of the timeout for a stall or hang, or exactly
/// the timeout for stream_at_deadline. Saturates (a timeout may be
/// nanoseconds::max()). The workload sleeps this long; the outcome oracle
/// compares it with the timeout.
std::int64_t stream_duration_ns(const flush_plan& p, std::optional<std::int64_t> timeout_ns);

/// A call made at a point in virtual time by a fiber of its own.
struct timed_call {
  std::int64_t at_ns = 0;
  std::int64_t timeout_ns = 0;  // drain: stall timeout; unused for shutdown
  friend bool operator==(const timed_call&, const timed_call&) = default;
};

struct scenario {
  std::size_t max_pending = 4;
  std::optional<std::int64_t> stream_timeout_ns{};  // empty: no timeout
  std::int64_t writer_gap_ns = 0;     // pause between flushes of the writer
  std::vector<flush_plan> flushes{};
  std::vector<timed_call> drains{};
  std::vector<timed_call> shutdowns{};  // several may be concurrent
  std::vector<timed_call> closes{};     // non-blocking close() calls
  std::uint32_t writers = 1;          // writer tasks; flush_plan::writer picks one
  std::optional<std::int64_t> runtime_stop_at_ns{};  // unstarted streams dropped then
  /// End by destroying the coordinator (non-blocking close, §2.4) instead of
  /// a final shutdown; tickets are read after it is gone.
  bool close_early = false;
  /// Liveness: once the writer is done and the runtime is quiet, every
  /// pending flush must finish within this much virtual time. 0: unchecked.
  std::int64_t liveness_bound_ns = 0;

  friend bool operator==(const scenario&, const scenario&) = default;
};

/// Knobs of the generator; the defaults are the standard campaign.
struct generator_options {
  std::size_t flushes_max = 16;
  /// Draw the workload over the whole API (several writers, held flushes,
  /// timed acquires, ticket forms, extreme timeouts, close calls, slow
  /// engine callbacks), each enabled per seed, swarm-style. Off: the
  /// original polite writer (explore's fixed scenario, older benchmarks).
  bool whole_api = true;
  std::size_t max_pending_max = 6;
  bool swarm = true;   // draw which faults are enabled per seed
  bool allow_runtime_stop = true;
  /// Faults that need the engine's finalize or finalize_failure to fail
  /// (finalize_error, finalize_throw, failure_throws). The model engine
  /// injects them; a user's engine (flushcoord::testing) cannot be made to
  /// by the harness, so its campaigns turn them off. Off: each becomes
  /// fault::none after the draw, so every other field keeps its value.
  bool finalize_faults = true;
};

/// Draws a scenario from `seed` (its own random stream: the scheduler's
/// draws never shift it, and it never shifts the scheduler's).
scenario generate(std::uint64_t seed, const generator_options& opts = {});

/// The scenario as stable, line-oriented text ("key value" lines; one
/// "flush ..." line per flush). parse() reads exactly what to_text writes and
/// throws std::invalid_argument naming the line for anything else.
std::string to_text(const scenario& s);
scenario parse_scenario(const std::string& text);

/// A one-line summary: "flushes=12 max_pending=3 timeout=2ms faults=..."
std::string summary(const scenario& s);

}  // namespace flushcoord::properties

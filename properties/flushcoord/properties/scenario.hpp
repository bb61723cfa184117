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
  count_,
};

const char* to_string(fault f);
std::optional<fault> fault_from_string(const std::string& s);

struct flush_plan {
  std::int64_t stream_ns = 0;   // how long the stream takes (virtual time)
  fault what = fault::none;
  bool drop_ticket = false;     // the writer drops the ticket unread
  bool commit_path = false;     // try-acquire under the flush lock (else blocking acquire first)
  friend bool operator==(const flush_plan&, const flush_plan&) = default;
};

/// A call made at a point in virtual time by a fiber of its own.
struct timed_call {
  std::int64_t at_ns = 0;
  std::int64_t timeout_ns = 0;  // drain: stall timeout; unused for shutdown
  friend bool operator==(const timed_call&, const timed_call&) = default;
};

struct scenario {
  std::size_t max_pending = 4;
  std::optional<std::int64_t> stream_timeout_ns;  // empty: no timeout
  std::int64_t writer_gap_ns = 0;     // pause between flushes of the writer
  std::vector<flush_plan> flushes;
  std::vector<timed_call> drains;
  std::vector<timed_call> shutdowns;  // several may be concurrent
  std::optional<std::int64_t> runtime_stop_at_ns;  // unstarted streams dropped then
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
  std::size_t max_pending_max = 6;
  bool swarm = true;   // draw which faults are enabled per seed
  bool allow_runtime_stop = true;
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

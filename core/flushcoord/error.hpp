// flushcoord/error.hpp — what can go wrong, and how it is reported.
//
// Two channels, chosen by who is at fault:
//
//   * flush_error (returned inside result<T>): something happened at run
//     time that a correct program must handle — a stream failed, a permit
//     was not available, the coordinator is shut down, a drain stalled.
//   * usage_error (thrown): the caller broke a documented precondition —
//     max_pending_flushes of 0, a timeout <= 0, submitting a rotated flush
//     twice, waiting on a moved-from ticket. These are bugs in the caller;
//     they are reported loudly, never as undefined behaviour.
#pragma once

#include <cstddef>
#include <cstdint>
#include <optional>
#include <stdexcept>
#include <string>
#include <string_view>

namespace flushcoord {

/// Why a flush or a coordinator call failed.
enum class errc : std::uint8_t {
  stream_failed,    ///< the stream returned an error
  stream_threw,     ///< the stream threw an exception
  stream_timeout,   ///< the stream exceeded options::stream_timeout
  abandoned,        ///< a rotated flush was destroyed without being submitted
  never_ran,        ///< the runtime stopped before the stream task first ran
  finalize_failed,  ///< finalize returned an error or threw
  shut_down,        ///< the coordinator is shut down (or shutting down)
  no_permit,        ///< try_acquire_permit: all permits are in use
  permit_timeout,   ///< acquire_permit_for: no permit before the deadline
  drain_stalled,    ///< drain: the pending count did not fall for stall_timeout
  ticket_timeout,   ///< ticket::wait_for: not resolved before the deadline
  cancelled,        ///< an async wait's stop_token was stopped before it completed
  /// The engine failed the flush outside its stream: e.g. its own rotate
  /// step, after rotate() had assigned the sequence number, reported
  /// through submit(rf, engine_error(...)). Last, so the codes above keep
  /// their values.
  engine_failed,
};

/// How many codes there are: every errc is below it (for tables by code).
inline constexpr std::size_t errc_count = static_cast<std::size_t>(errc::engine_failed) + 1;

/// A short, stable name for an error code ("stream_timeout", ...).
constexpr std::string_view to_string(errc code) {
  switch (code) {
    case errc::stream_failed: return "stream_failed";
    case errc::stream_threw: return "stream_threw";
    case errc::stream_timeout: return "stream_timeout";
    case errc::abandoned: return "abandoned";
    case errc::never_ran: return "never_ran";
    case errc::finalize_failed: return "finalize_failed";
    case errc::shut_down: return "shut_down";
    case errc::no_permit: return "no_permit";
    case errc::permit_timeout: return "permit_timeout";
    case errc::drain_stalled: return "drain_stalled";
    case errc::ticket_timeout: return "ticket_timeout";
    case errc::cancelled: return "cancelled";
    case errc::engine_failed: return "engine_failed";
  }
  return "unknown";
}

/// A run-time failure: a code, the flush's sequence number when the failure
/// belongs to one flush, and a human-readable message that names both.
struct flush_error {
  errc code;
  std::optional<std::uint64_t> seq{};
  std::string message{};

  static flush_error make(errc code, std::optional<std::uint64_t> seq,
                          std::string_view detail) {
    std::string text;
    if (seq) text = "flush " + std::to_string(*seq) + ": ";
    text += to_string(code);
    if (!detail.empty()) {
      text += ": ";
      text += detail;
    }
    return flush_error{code, seq, std::move(text)};
  }

  friend bool operator==(const flush_error&, const flush_error&) = default;
};

/// Thrown when the caller breaks a documented precondition.
class usage_error : public std::logic_error {
 public:
  using std::logic_error::logic_error;
};

}  // namespace flushcoord

namespace flushcoord {

/// What a stream returns to report a failure: `stream_error("disk full")`.
/// The coordinator adds the sequence number and the code stream_failed.
inline flush_error stream_error(std::string message) {
  return flush_error{errc::stream_failed, std::nullopt, std::move(message)};
}

/// What an engine submits when the flush failed in the engine's own work,
/// not in a stream: `coord.submit(std::move(rf), engine_error("WAL switch
/// failed"))`, for a rotate step that fails after rotate() took the
/// sequence number. The flush then resolves with errc::engine_failed (and
/// finalize_failure gets that code), so a storage failure of the engine is
/// never counted as a stream's. submit() keeps this one code; any other
/// error submitted, and every error a spawned stream returns, becomes
/// stream_failed.
inline flush_error engine_error(std::string message) {
  return flush_error{errc::engine_failed, std::nullopt, std::move(message)};
}

}  // namespace flushcoord

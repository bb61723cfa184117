// flushcoord/sim/trace.hpp — the versioned text file of one simulated run.
//
// Types:
//   trace         everything needed to replay a run and to read what it did:
//                 seed, strategy, outcome, hashes, the workload's own text,
//                 the decisions and (optionally) the event log
//   trace_error   why a file could not be read, with the 1-based line
//
// The format is documented, with an example, in docs/trace-format.md. In
// short:
//
//   flushcoord-trace 2                     version line; any other version
//   checksum fnv1a64:<16 hex>              is refused. The checksum covers
//   seed 57                                every byte after its own line.
//   strategy random
//   mutant finalize_in_arrival_order       (optional)
//   failure property                       or `none` for a clean run
//   message [ordered_finalize] ...         (only with a failure)
//   steps 1234 ... decisions ... decision_hash 0x... event_hash 0x...
//   end_time_ns ... rerun ... events_omitted ...    (the last two optional)
//   scenario <n>     then n lines of the workload's text, verbatim
//   report <n>       then n lines of the failure's multi-line report
//   decisions <n>    then n lines of `index/size` pairs, 32 per line
//   events <n>       then n lines `step time_ns task kind object`, or
//                    `step time_ns task coordinator <kind> seq=S count=C ok=B`,
//                    or `step time_ns task note <text to the end of the line>`
//   end
//
// Sections carry their line count so a truncated file is named as such
// before the checksum is even looked at. The reader never trusts a count
// for allocation, never recurses, and reports the first problem it meets.
// This file is generic: it knows nothing of flushcoord's scenarios (the
// `scenario` section is opaque text) or of its properties.
#pragma once

#include <cstdint>
#include <filesystem>
#include <optional>
#include <stdexcept>
#include <string>
#include <string_view>
#include <vector>

#include "flushcoord/sim/decision_log.hpp"
#include "flushcoord/sim/event.hpp"
#include "flushcoord/sim/failure.hpp"

namespace flushcoord::sim {

/// The version this build writes and the only one it reads. Version 2
/// added the coordinator's events and the names of mutexes and condvars;
/// a version 1 file is refused with the command that re-records its seed.
inline constexpr int trace_version = 2;

/// Files larger than this are refused unread (a trace of a run within the
/// default step budget stays far below it); guards against /dev/zero-like
/// inputs as much as against mistakes.
inline constexpr std::uintmax_t trace_file_bytes_max = 512ull << 20;

struct trace {
  std::uint64_t seed = 0;
  std::string strategy = "random";      ///< one word
  std::optional<std::string> mutant;    ///< one word; only for mutant builds
  std::optional<failure> failed;        ///< empty: the run was clean
  std::uint64_t steps = 0;
  std::uint64_t decision_hash = 0;
  std::uint64_t event_hash = 0;
  std::int64_t end_time_ns = 0;
  /// How to regenerate the run from its seed with the tool that wrote it,
  /// e.g. "flushsim run --seeds 57..57"; one line, may be empty.
  std::string rerun;
  /// The workload's description (flushcoord: a properties::scenario as
  /// text). Lines must not contain '\r'; a trailing newline is implied.
  std::string scenario;
  std::vector<decision> decisions;
  /// The run's events, if it was recorded with config::record_events: all
  /// of them, or the last ones after `events_omitted` earlier events were
  /// left out to bound the file (writers choose the bound).
  std::vector<event> events;
  std::uint64_t events_omitted = 0;
  /// notes[i]: the text of the note event whose object is i; the note
  /// events of `events` number their notes 0, 1, 2... in order.
  std::vector<std::string> notes;
  /// task_names[id] is the name of task `id`, for every id an event names.
  std::vector<std::string> task_names;
  /// mutex_names[id] / condvar_names[id]: the object's name, empty when it
  /// has none (index 0 is unused: object ids start at 1).
  std::vector<std::string> mutex_names;
  std::vector<std::string> condvar_names;

  /// Field by field (failure and event have no operator== of their own).
  friend bool operator==(const trace& a, const trace& b);
};

/// A trace file that cannot be used. line() is 1-based, 0 when the problem
/// is not on one line (an unreadable file, a checksum mismatch).
class trace_error : public std::runtime_error {
 public:
  trace_error(std::size_t line, const std::string& what);
  std::size_t line() const noexcept { return line_; }

 private:
  std::size_t line_;
};

/// The file's text. Requires: strategy and mutant are single words, the
/// message has no newline. Whitespace and '#' in task and object names are
/// written as '_'.
std::string format_trace(const trace& t);

/// Reads text written by format_trace. Throws trace_error naming the first
/// problem: wrong header or version, unknown key, bad number, a missing,
/// short or out-of-order section, trailing text, or a checksum mismatch.
trace parse_trace(std::string_view text);

/// format_trace into `path` (written to a temporary file and renamed, so a
/// reader never sees half a trace). Throws std::runtime_error on I/O errors.
void save_trace(const std::filesystem::path& path, const trace& t);

/// Reads and parses `path`. Throws trace_error (line 0 for I/O problems,
/// non-regular files and files over trace_file_bytes_max).
trace load_trace(const std::filesystem::path& path);

/// "name#id" for task `id`, as reports spell it ("task#id" if unnamed).
std::string task_label(const trace& t, task_id id);

/// How reports spell an object: a task label ("writer#1"), a mutex's or a
/// condvar's name ("coordinator.lock"), "mutex#3" / "condvar#2" if it has
/// none, or "-" for object_type::none.
std::string object_name(const trace& t, object_type type, std::uint32_t id);

/// object_name of what `e` acts on (object_type_of(e)); "-" when nothing.
std::string object_label(const trace& t, const event& e);

/// The text of note event `e` (t.notes[e.object]); empty if it has none.
std::string note_text(const trace& t, const event& e);

/// Inverse of to_string(failure_class) / to_string(event_kind).
std::optional<failure_class> failure_class_from_string(std::string_view s) noexcept;
std::optional<event_kind> event_kind_from_string(std::string_view s) noexcept;
std::optional<flushcoord::event_kind> coordinator_event_kind_from_string(std::string_view s) noexcept;

/// The checksum format_trace writes for `body` (the text after the
/// checksum line): FNV-1a 64 over the bytes.
std::uint64_t trace_checksum(std::string_view body) noexcept;

}  // namespace flushcoord::sim

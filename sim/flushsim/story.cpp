// sim/flushsim/story.cpp
#include "story.hpp"

#include <map>

#include <fmt/format.h>

#include <flushcoord/error.hpp>

namespace flushsim {

namespace fs = flushcoord::sim;
using ek = flushcoord::event_kind;

namespace {

/// What the event says, without the flush it is about.
std::string what_happened(const flushcoord::coordinator_event& e) {
  const std::uint64_t c = e.count;
  switch (e.kind) {
    case ek::permit_acquired: return fmt::format("permit taken: permits {} → {}", c + 1, c);
    case ek::permit_released:
      return fmt::format("{}: permits {} → {}", e.seq == flushcoord::no_seq ? "unused permit back" : "permit back",
                         c == 0 ? 0 : c - 1, c);
    case ek::rotated: return fmt::format("rotated: pending {} → {}", c == 0 ? 0 : c - 1, c);
    case ek::submitted: return "submitted inline with its result";
    case ek::submit_refused: return "submitted after close: refused, its ticket is a shut_down error";
    case ek::stream_spawned: return "stream spawned";
    case ek::stream_started: return "stream started";
    case ek::stream_returned: return e.ok ? "stream returned ok" : "stream returned an error";
    case ek::stream_lost: return "stream task destroyed without running";
    case ek::stream_timed_out: return "timed out: its stream is told to stop";
    case ek::late_result_dropped: return "late stream result dropped (the flush was already resolved)";
    case ek::abandoned: return "abandoned: its rotated flush was destroyed unsubmitted";
    case ek::finalize_begin: return e.ok ? "finalize begins" : "finalize_failure begins";
    case ek::finalize_end: return e.ok ? "finalized ok" : "finalized as failed";
    case ek::ticket_resolved: return e.ok ? "ticket ready (ok)" : "ticket ready (error)";
    case ek::flush_finished: return fmt::format("finished: pending {} → {}", c + 1, c);
    case ek::shut_down_unfinalized: return "resolved as shut_down without a finalize";
    case ek::close_begun: return "intake closed";
    case ek::finalizer_exited: return "finalizer exits";
    case ek::shutdown_returning: return fmt::format("shutdown returns: pending {}", c);
    case ek::drain_begun: return fmt::format("drain called: pending {}", c);
    case ek::drain_returned: return fmt::format("drain {}: pending {}", e.ok ? "returned ok" : "failed", c);
    case ek::shutdown_begun: return fmt::format("shutdown joins the tasks: pending {}", c);
    case ek::permit_wait_begun: return "no permit free: the caller waits";
    case ek::permit_wait_ended:
      return fmt::format("the permit wait ended {}: permits {}", e.ok ? "with a permit" : "without one", c);
    case ek::flush_failed:
      return fmt::format("failed ({})", c < flushcoord::errc_count
                                            ? flushcoord::to_string(static_cast<flushcoord::errc>(c))
                                            : std::string_view("unknown code"));
  }
  return fmt::format("coordinator event {}", static_cast<int>(e.kind));
}

/// Whether `e` continues `line` instead of starting a line of its own: the
/// same task, at the same instant, about the same flush. A finalize's end
/// starts a new line: the engine's finalize ran, unlocked, in between.
bool continues(const story_line& line, const fs::event& e) {
  if (line.task != e.task || line.time_ns != e.time.count()) return false;
  if (e.coord.seq == flushcoord::no_seq)
    return line.seq == flushcoord::no_seq && e.coord.kind == ek::shutdown_begun;
  return e.coord.seq == line.seq && e.coord.kind != ek::finalize_end;
}

}  // namespace

std::string coordinator_phrase(const flushcoord::coordinator_event& e, bool with_flush) {
  if (!with_flush || e.seq == flushcoord::no_seq) return what_happened(e);
  return fmt::format("flush {} {}", e.seq, what_happened(e));
}

std::vector<story_line> tell_story(const fs::trace& t) {
  std::vector<story_line> lines;
  // The flush each stream task runs until it hands over a result: a task
  // that ends first is worth a line of its own (its result went nowhere).
  std::map<fs::task_id, std::uint64_t> streaming;
  for (std::size_t i = 0; i < t.events.size(); ++i) {
    const fs::event& e = t.events[i];
    if (e.kind == fs::event_kind::finish && streaming.count(e.task)) {
      const std::uint64_t seq = streaming[e.task];
      streaming.erase(e.task);
      lines.push_back(story_line{i, e.step, e.time.count(), e.task, seq,
                                 fmt::format("flush {} stream task ended without handing a result to the coordinator",
                                             seq),
                                 {i}});
      continue;
    }
    if (e.kind == fs::event_kind::note) {
      lines.push_back(story_line{i, e.step, e.time.count(), e.task, flushcoord::no_seq,
                                 "note: " + fs::note_text(t, e), {i}});
      continue;
    }
    if (e.kind != fs::event_kind::coordinator) continue;
    if (e.coord.kind == ek::stream_started) streaming[e.task] = e.coord.seq;
    if (e.coord.kind == ek::stream_returned || e.coord.kind == ek::stream_lost) streaming.erase(e.task);
    if (!lines.empty() && continues(lines.back(), e)) {
      lines.back().text += "; " + what_happened(e.coord);
      lines.back().events.push_back(i);
      continue;
    }
    lines.push_back(story_line{i, e.step, e.time.count(), e.task, e.coord.seq, coordinator_phrase(e.coord), {i}});
  }
  return lines;
}

}  // namespace flushsim

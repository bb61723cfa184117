// sim/flushsim/story.hpp — a trace's coordinator events as plain sentences.
//
// `flushsim show` tells a run at the coordinator's level by default: one
// line per state change of a flush ("flush 0 rotated: pending 0 → 1"),
// with the events one task made at one instant for one flush folded into
// one line ("flush 0 finalized ok; ticket ready (ok); permit back: permits
// 2 → 3; pending 1 → 0"). The counts come from the events themselves
// (core/flushcoord/events.hpp says what `count` holds for each kind).
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>
#include <vector>

#include "flushcoord/sim/trace.hpp"

namespace flushsim {

/// One line of the story: what one task did at one instant.
struct story_line {
  std::size_t first_event = 0;  ///< index in trace::events of its first event
  std::uint64_t step = 0;
  std::int64_t time_ns = 0;
  flushcoord::sim::task_id task = flushcoord::sim::no_task;
  std::uint64_t seq = flushcoord::no_seq;  ///< the flush it is about, if any
  std::string text;
  std::vector<std::size_t> events;  ///< indices in trace::events it tells
};

/// The coordinator events of `t` as lines, in order.
std::vector<story_line> tell_story(const flushcoord::sim::trace& t);

/// One coordinator event as a sentence, with its flush ("flush 3 rotated:
/// pending 2 → 3") or without it when `with_flush` is false.
std::string coordinator_phrase(const flushcoord::coordinator_event& e, bool with_flush = true);

}  // namespace flushsim

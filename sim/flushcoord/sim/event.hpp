// flushcoord/sim/event.hpp — what a run does, as seen by observers and traces.
#pragma once

#include <chrono>
#include <cstdint>
#include <string_view>

#include "flushcoord/events.hpp"
#include "flushcoord/sim/ids.hpp"

namespace flushcoord::sim {

/// Kinds of events. `object` in an event means, per kind:
///   spawn, start, finish, drop, join     the other task's id (start etc.: own)
///   lock, acquire, unlock                mutex id
///   wait, wait_until, notify_*, wake     condvar id (wake: 0 when not a condvar)
///   sleep, timer                         0
///   coordinator                          0 (the event is in `coord`)
///   note                                 the note's index in the run's notes
///                                        (simulator::notes, trace::notes)
enum class event_kind : std::uint8_t {
  spawn,        ///< a task was created (object = new task)
  start,        ///< a task's fiber ran for the first time
  finish,       ///< a task's function returned (or threw)
  drop,         ///< a task was destroyed without running (stop_unstarted_streams)
  lock,         ///< lock() called (scheduling point before acquiring)
  acquire,      ///< the mutex was acquired
  unlock,       ///< unlock()
  wait,         ///< condvar wait()
  wait_until,   ///< condvar wait_until()
  notify_one,   ///< condvar notify_one()
  notify_all,   ///< condvar notify_all()
  wake,         ///< a blocked task became runnable (task = the woken one)
  join,         ///< join() called (object = joined task)
  sleep,        ///< sleep_for()
  yield,        ///< yield()
  timer,        ///< the clock jumped to a deadline (task = first timer's task)
  stop_streams, ///< stop_unstarted_streams()
  coordinator,  ///< the coordinator reported a state change (`coord`; not a scheduling point)
  note,         ///< the engine's own words (flushcoord::note; not a scheduling point)
};

std::string_view to_string(event_kind k) noexcept;

/// What an event's `object` number names. For a wake it is what the woken
/// task waited on: a mutex (lock, or the re-lock after a condvar wait), a
/// condvar, or a task it joined; none for the end of a sleep.
enum class object_type : std::uint8_t { none, task, mutex, condvar };

/// The object type an event of kind `k` names; for wake, `none` (its event
/// says: event::woken_on).
object_type object_type_of(event_kind k) noexcept;

/// Stable names of the coordinator's event kinds ("rotated",
/// "finalize_begin", ...), as traces spell them; "unknown" past the last.
std::string_view to_string(flushcoord::event_kind k) noexcept;

/// One event. `step` is the scheduling-point count when it happened.
struct event {
  std::uint64_t step = 0;
  std::chrono::nanoseconds time{0};
  event_kind kind = event_kind::spawn;
  task_id task = no_task;
  std::uint32_t object = 0;
  /// wake only: what `object` is (object_type's comment).
  object_type woken_on = object_type::none;
  /// coordinator only: the coordinator's event, reported by the task that
  /// made the change (core/flushcoord/events.hpp says what seq, count and
  /// ok mean for each kind).
  coordinator_event coord{};
};

/// What type `e.object` is: object_type_of(e.kind), or e.woken_on for a wake.
inline object_type object_type_of(const event& e) noexcept {
  return e.kind == event_kind::wake ? e.woken_on : object_type_of(e.kind);
}

class simulator;

/// Observer of a run's events, for property checkers.
///
/// Called synchronously, on the fiber (or the scheduler) that caused the
/// event, in the middle of a simulator operation. An observer may read the
/// simulator (tasks, now(), ...) and may call simulator::fail(); it must not
/// call any blocking or scheduling operation (lock, wait, spawn, sleep...).
class observer {
 public:
  virtual void on_event(const simulator& sim, const event& e) = 0;

 protected:
  ~observer() = default;
};

}  // namespace flushcoord::sim

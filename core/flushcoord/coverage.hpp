// flushcoord/coverage.hpp — coverage marks on the coordinator's rare paths.
//
// Each rare path in core/ states FLUSHCOORD_MARK(name) (or, where the path
// is a one-statement branch, FLUSHCOORD_MARK_IF(condition, name) on the
// line before it), in the manner of TigerBeetle's coverage marks. A test
// can then ask whether a workload ever took that path: a mark no seed hits
// is a gap in the workload, not a proof that the path works.
//
// In the library's build both macros are `((void)0)`: no code, the
// condition is not even evaluated. Only translation units compiled with
// -DFLUSHCOORD_ENABLE_COVERAGE_MARKS (the properties library, and so the
// simulator's tools and tests) record hits. Like FLUSHCOORD_MUTANT
// (mutation.hpp), the define must be the same in every translation unit of
// a program that instantiates the coordinator.
//
// A mark is a statement and nothing else: it never changes what the
// coordinator does, and its condition reads state only (no runtime call,
// which in the simulator could be a scheduling point).
//
// Counting: hits go to a per-thread set. The simulator runs a whole run on
// one thread, so a campaign thread clears the set before each seed and
// reads it after (sim/flushsim/seed_runner.cpp). Marks hit on other threads
// (the prod runtime's pool) land in those threads' sets and are ignored.
#pragma once

#include <array>
#include <bitset>
#include <cstddef>
#include <string_view>

namespace flushcoord::coverage {

// The closed list of marks: X(name, file, what it means). The order is the
// enum's and the report's.
#define FLUSHCOORD_COVERAGE_MARKS(X)                                                              \
  X(permit_returned_unused, "coordinator.hpp", "a permit destroyed without being rotated")        \
  X(try_acquire_refused_closed, "coordinator.hpp", "try_acquire_permit after close: shut_down")   \
  X(try_acquire_no_permit, "coordinator.hpp", "try_acquire_permit with every permit in use")      \
  X(acquire_refused_closed, "coordinator.hpp", "acquire_permit(_for) called after close")         \
  X(acquire_waiter_woken_by_close, "coordinator.hpp", "a permit waiter woke to find intake closed") \
  X(permit_waiter_timed_out, "coordinator.hpp", "acquire_permit_for gave up: permit_timeout")     \
  X(rotate_refused_closed, "coordinator.hpp", "rotate after close; the permit goes back")         \
  X(abandon_held_flush, "coordinator.hpp", "a rotated flush destroyed unsubmitted: abandoned")    \
  X(abandon_after_shut_down, "coordinator.hpp",                                                   \
    "a rotated flush destroyed unsubmitted after shutdown resolved it")                           \
  X(submit_refused_closed, "coordinator.hpp", "submit after close: a ready shut_down ticket")     \
  X(spawn_refused_closed, "coordinator.hpp", "spawn_stream after close: the stream never runs")   \
  X(prune_finished_tasks_ran, "coordinator.hpp", "spawn_stream pruned finished task handles")     \
  X(drain_after_shutdown, "coordinator.hpp", "drain after shutdown returned: shut_down")          \
  X(drain_deadline_extended, "coordinator.hpp", "drain saw progress and moved its deadline")      \
  X(drain_stalled, "coordinator.hpp", "drain gave up: no flush finished for stall_timeout")       \
  X(shutdown_while_another_joins, "coordinator.hpp",                                              \
    "shutdown called while an earlier shutdown is still joining")                                 \
  X(shutdown_after_shutdown_returned, "coordinator.hpp", "shutdown called again after one returned") \
  X(shutdown_joins_running_stream, "coordinator.hpp", "shutdown waited for a stream still running") \
  X(late_result_dropped, "detail/state.hpp", "a result for an already resolved flush, dropped")   \
  X(stream_timed_out, "detail/state.hpp", "a stream exceeded stream_timeout (expire_overdue)")    \
  X(result_landed_past_deadline, "detail/state.hpp",                                              \
    "a result arrived at or after its deadline before the finalizer noticed: timed out on landing") \
  X(stream_never_ran, "detail/stream_task.hpp", "a stream task destroyed before it ran")          \
  X(stream_began_after_resolved, "detail/stream_task.hpp",                                        \
    "a stream task started after its flush was resolved; the stream is skipped")                  \
  X(stream_returned_error, "detail/stream_task.hpp", "a stream returned an error")                \
  X(stream_threw, "detail/stream_task.hpp", "a stream threw")                                     \
  X(caught_std_exception, "detail/finalizer.hpp", "user code threw a std::exception")             \
  X(caught_non_std_exception, "detail/finalizer.hpp", "user code threw something else")           \
  X(finalizer_defers_to_inline_publisher, "detail/finalizer.hpp",                                 \
    "the finalizer task waited: a stream task held the finalizing token")                         \
  X(stream_publishes_inline, "detail/finalizer.hpp", "a stream task finalized flushes itself")    \
  X(inline_publisher_wakes_finalizer, "detail/finalizer.hpp",                                     \
    "an inline publisher handed the token back with intake closed")                               \
  X(finalize_returned_error, "detail/finalizer.hpp", "finalize returned an error")                \
  X(finalize_threw, "detail/finalizer.hpp", "finalize threw")                                     \
  X(finalize_failure_threw, "detail/finalizer.hpp", "finalize_failure threw")                     \
  X(shut_down_with_front_held, "detail/finalizer.hpp",                                            \
    "the finalizer resolved the rest as shut_down: the first flush was still held")               \
  X(shut_down_stops_streaming_flush, "detail/finalizer.hpp",                                      \
    "a flush still streaming was resolved as shut_down; its stream was told to stop")             \
  X(ticket_wait_ready_made, "ticket.hpp", "wait on a ticket made resolved (ticket::ready)")       \
  X(ticket_wait_already_resolved, "ticket.hpp", "wait on a ticket the finalizer had resolved")    \
  X(ticket_wait_for_timed_out, "ticket.hpp", "ticket::wait_for gave up: ticket_timeout")         \
  X(async_permit_handed_over, "detail/state.hpp",                                                 \
    "a permit came back and went straight to a suspended async_acquire_permit")                   \
  X(async_permit_waiter_refused_by_close, "detail/state.hpp",                                     \
    "close completed suspended async_acquire_permit calls with shut_down")                        \
  X(async_acquire_suspended, "coordinator.hpp", "async_acquire_permit found no permit and waited") \
  X(async_wait_cancelled, "coordinator.hpp, ticket.hpp", "an async wait ended by its stop_token")    \
  X(async_ticket_waiter_resolved, "ticket.hpp", "a suspended ticket::async_wait completed on resolve") \
  X(async_wait_on_resolved_ticket, "ticket.hpp", "ticket::async_wait on a ticket already resolved")

enum class mark : int {
#define FLUSHCOORD_COVERAGE_ENUM(name, file, what) name,
  FLUSHCOORD_COVERAGE_MARKS(FLUSHCOORD_COVERAGE_ENUM)
#undef FLUSHCOORD_COVERAGE_ENUM
  count_,
};

inline constexpr std::size_t mark_count = static_cast<std::size_t>(mark::count_);

struct mark_info {
  std::string_view name;
  std::string_view file;  // under core/flushcoord/
  std::string_view what;
};

inline constexpr std::array<mark_info, mark_count> marks = {{
#define FLUSHCOORD_COVERAGE_INFO(name, file, what) {#name, file, what},
    FLUSHCOORD_COVERAGE_MARKS(FLUSHCOORD_COVERAGE_INFO)
#undef FLUSHCOORD_COVERAGE_INFO
}};

constexpr const mark_info& info(mark m) { return marks[static_cast<std::size_t>(m)]; }

/// One bit per mark.
using hit_set = std::bitset<mark_count>;

/// The marks hit on this thread since the last reset(). Constant-initialized,
/// so reading or setting it costs no initialization check.
inline thread_local hit_set this_thread_hits{};

inline void hit(mark m) noexcept { this_thread_hits.set(static_cast<std::size_t>(m)); }
inline void reset() noexcept { this_thread_hits.reset(); }

#if defined(FLUSHCOORD_ENABLE_COVERAGE_MARKS)
constexpr bool enabled = true;  // internal linkage: may differ between programs
#define FLUSHCOORD_MARK(name) ::flushcoord::coverage::hit(::flushcoord::coverage::mark::name)
#define FLUSHCOORD_MARK_IF(condition, name) ((condition) ? FLUSHCOORD_MARK(name) : (void)0)
#else
constexpr bool enabled = false;
#define FLUSHCOORD_MARK(name) ((void)0)
#define FLUSHCOORD_MARK_IF(condition, name) ((void)0)
#endif

}  // namespace flushcoord::coverage

// flushcoord/properties/mutants.hpp — the catalogue of broken coordinators.
//
// Each mutant is a FLUSHCOORD_MUTANT(...) point in core/ (mutation.hpp)
// that re-opens one hole: one per property of SPEC §5 and one per item of
// SPEC §2. The mutant gate (tests/mutants) runs the standard campaign
// against each and fails if any survives `seeds_budget` seeds. The points
// exist only in binaries built with FLUSHCOORD_ENABLE_MUTANTS.
#pragma once

#include <array>
#include <optional>
#include <string_view>

#include "flushcoord/mutation.hpp"

namespace flushcoord::properties {

struct mutant_info {
  mutation::id id;
  std::string_view name;
  std::string_view breaks;  // the SPEC item or property it re-opens
  std::string_view what;    // the bug, in one line
  std::uint64_t seeds_budget;  // the gate fails if no seed below this finds it
};

inline constexpr std::array<mutant_info, static_cast<std::size_t>(mutation::id::count_) - 1> mutants = {{
    {mutation::id::finalize_in_arrival_order, "finalize_in_arrival_order", "§5 ordered finalize, manifest chain",
     "no reorder buffer: flushes finalize as their streams finish", 2000},
    {mutation::id::permit_released_at_stream_end, "permit_released_at_stream_end", "§5 permit release",
     "the permit comes back when the stream ends, before finalize", 2000},
    {mutation::id::drain_checks_before_waiting, "drain_checks_before_waiting", "§2.2 drain promptness",
     "drain reads the count, drops the lock, then waits: a wake-up is lost", 5000},
    {mutation::id::drain_measures_total_time, "drain_measures_total_time", "§2.2 progress, not total time",
     "drain's deadline is never extended when flushes finish", 5000},
    {mutation::id::no_result_on_throw, "no_result_on_throw", "§2.1 no wedge (throw)",
     "a throwing stream never reaches the finalizer", 2000},
    {mutation::id::no_failure_on_abandon, "no_failure_on_abandon", "§2.1 no wedge (abandon)",
     "a rotated flush destroyed unsubmitted never reaches the finalizer", 2000},
    {mutation::id::no_failure_on_never_ran, "no_failure_on_never_ran", "§2.1 no wedge (never ran)",
     "a stream dropped by a stopping runtime never reaches the finalizer", 5000},
    {mutation::id::timeout_not_enforced, "timeout_not_enforced", "§2.1 no wedge (timeout), §2.6",
     "stream_timeout is ignored: a hung stream blocks everything after it", 2000},
    {mutation::id::late_result_finalized, "late_result_finalized", "§2.6 discard late results",
     "a timed-out stream's late result is finalized a second time", 5000},
    {mutation::id::ticket_dropped_on_failure, "ticket_dropped_on_failure", "§5 tickets",
     "the failure path never resolves the ticket", 2000},
    {mutation::id::pending_not_decremented_on_failure, "pending_not_decremented_on_failure",
     "§5 pending count", "a failed flush stays counted as pending", 2000},
    {mutation::id::shutdown_skips_join, "shutdown_skips_join", "§5 shutdown joins, §2.3",
     "shutdown returns before its stream tasks are joined", 2000},
    {mutation::id::shutdown_keeps_permit_waiters, "shutdown_keeps_permit_waiters", "§2.3 waiters woken",
     "a permit waiter woken after shutdown takes a permit instead of failing", 5000},
    {mutation::id::shutdown_leaves_orphans, "shutdown_leaves_orphans", "§2.3 nothing left behind",
     "flushes that cannot be finalized in order stay pending after shutdown", 5000},
    {mutation::id::submit_after_shutdown_dropped, "submit_after_shutdown_dropped", "§2.3 intake after shutdown",
     "the seed's silent drop: a late submission's ticket is never resolved", 5000},
    {mutation::id::failure_count_not_updated, "failure_count_not_updated", "§2.5 diagnostics",
     "failed flushes are not counted", 2000},
    {mutation::id::close_blocks, "close_blocks", "§2.4 non-blocking close",
     "the destructor waits for in-flight work", 5000},
    {mutation::id::every_flush_times_out, "every_flush_times_out", "§5 outcome oracle",
     "every stream's result is replaced by a plausible stream_timeout", 2000},
    {mutation::id::timeout_from_wrong_origin, "timeout_from_wrong_origin", "§2.1 timeouts mean what they say",
     "the stream deadline counts from the runtime's epoch instead of the spawn", 2000},
    {mutation::id::deadline_only_in_finalizer, "deadline_only_in_finalizer", "§2.6, corpus 0003",
     "a result landing past its deadline is accepted while the finalizer is busy publishing", 5000},
    {mutation::id::non_std_throw_mislabeled, "non_std_throw_mislabeled", "§2.1 (a stream throws anything)",
     "a stream throwing an int or a user type fails as stream_failed, not stream_threw", 5000},
    {mutation::id::failure_throw_replaces_error, "failure_throw_replaces_error", "§2.1 error names the cause",
     "an exception from finalize_failure replaces the flush's own error", 5000},
    {mutation::id::timed_acquire_ignores_close, "timed_acquire_ignores_close", "§2.3 intake after shutdown",
     "acquire_permit_for after close does not fail at once", 5000},
    {mutation::id::poll_misses_failures, "poll_misses_failures", "§5 tickets (try_get)",
     "ticket::try_get reports a failed flush as still pending", 10000},
    {mutation::id::async_waiter_starved, "async_waiter_starved", "§2.2 permits (async)",
     "a returned permit never goes to a suspended async_acquire_permit", 5000},
    {mutation::id::close_strands_async_waiters, "close_strands_async_waiters", "§2.3 (async)",
     "close leaves suspended async_acquire_permit calls waiting", 5000},
    {mutation::id::async_cancel_ignored, "async_cancel_ignored", "§5 outcome oracle (async)",
     "a stop request does not end a suspended async wait", 5000},
    {mutation::id::engine_error_as_stream_failed, "engine_error_as_stream_failed", "§2.1 error names the cause",
     "submit labels the engine's own failure (engine_error) stream_failed", 2000},
}};

inline std::optional<mutant_info> find_mutant(std::string_view name) {
  for (const auto& m : mutants)
    if (m.name == name) return m;
  return std::nullopt;
}

}  // namespace flushcoord::properties

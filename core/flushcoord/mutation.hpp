// flushcoord/mutation.hpp — switch points for the mutant catalogue.
//
// properties/mutants.hpp lists deliberately broken variants of the
// coordinator; each one is a FLUSHCOORD_MUTANT(name) point in core/. In the
// library's build the macro is the constant `false` and the compiler removes
// the broken branch entirely. Only test binaries compiled with
// -DFLUSHCOORD_ENABLE_MUTANTS can turn one on, by setting
// flushcoord::mutation::active before a run.
#pragma once

// A translation unit compiled once and linked into both the shipped and the
// mutant builds (the build defines FLUSHCOORD_MUTANT_INDEPENDENT for it:
// sim/flushsim/CMakeLists.txt, properties/CMakeLists.txt) must not depend
// on the mutation points, or the mutant build would silently run some of
// the shipped code.
#if defined(FLUSHCOORD_MUTANT_INDEPENDENT)
#error "this file is compiled once for the shipped and the mutant builds, so it must not include flushcoord/mutation.hpp (nor the coordinator); move it to the per-variant sources"
#endif

namespace flushcoord::mutation {

enum class id : int {
  none = 0,
  finalize_in_arrival_order,      // no reorder buffer
  permit_released_at_stream_end,  // permit back before finalize
  drain_checks_before_waiting,    // missed wake-up: count read, lock dropped, then wait
  drain_measures_total_time,      // deadline never extended on progress
  no_result_on_throw,             // a throwing stream never reaches the finalizer
  no_failure_on_abandon,          // destroyed rotated flush never reaches the finalizer
  no_failure_on_never_ran,        // dropped task never reaches the finalizer
  timeout_not_enforced,           // stream_timeout ignored
  late_result_finalized,          // a timed-out stream's late result is finalized again
  ticket_dropped_on_failure,      // failure path never resolves the ticket
  pending_not_decremented_on_failure,
  shutdown_skips_join,            // shutdown returns before its tasks are joined
  shutdown_keeps_permit_waiters,  // woken permit waiters ignore the shutdown
  shutdown_leaves_orphans,        // rotated-but-unsubmitted flushes stay pending
  submit_after_shutdown_dropped,  // the seed's silent drop: ticket never resolved
  failure_count_not_updated,      // diagnostics miss failures
  close_blocks,                   // destructor waits for in-flight work
  // Added with the outcome oracle and the whole-API workload (issue 10):
  every_flush_times_out,          // every stream result is replaced by stream_timeout
  timeout_from_wrong_origin,      // the stream deadline counts from the runtime's epoch, not the spawn
  deadline_only_in_finalizer,     // a result landing past its deadline is accepted (corpus 0003)
  non_std_throw_mislabeled,       // a stream throwing a non-std exception fails as stream_failed
  failure_throw_replaces_error,   // finalize_failure's exception replaces the flush's own error
  timed_acquire_ignores_close,    // acquire_permit_for after close does not fail at once
  poll_misses_failures,           // ticket::try_get reports a failed flush as still pending
  // Added with the async API (issue 12):
  async_waiter_starved,           // a returned permit never goes to a suspended async acquire
  close_strands_async_waiters,    // close leaves suspended async acquires waiting
  async_cancel_ignored,           // a stop request does not end a suspended async wait
  engine_error_as_stream_failed,  // submit labels the engine's own failure stream_failed (issue 12)
  count_,
};

#if defined(FLUSHCOORD_ENABLE_MUTANTS)
inline id active = id::none;
#define FLUSHCOORD_MUTANT(name) \
  (::flushcoord::mutation::active == ::flushcoord::mutation::id::name)
#else
#define FLUSHCOORD_MUTANT(name) false
#endif

}  // namespace flushcoord::mutation

// flushcoord/detail/state.hpp — the coordinator's shared state.
//
// One object, shared (std::shared_ptr) by the coordinator handle, every
// permit, rotated flush, ticket and running task. Whoever is last lets it go,
// so a task that outlives the coordinator never touches freed memory (§2.4).
//
// Every field below `m` is read and written only with `m` held. User code
// (stream, finalize, finalize_failure, payload destructors, stop callbacks)
// never runs with `m` held.
//
// The reorder window
// ------------------
// `window[i]` is the flush with sequence number `next_finalize + i`. A flush
// enters at rotate and leaves when the finalizer resolves it. Each flush in
// the window holds one permit, so the window never holds more than
// max_pending_flushes entries.
//
//   phase       meaning                                  next
//   ----------  ---------------------------------------  ---------------------
//   held        rotated; the caller holds rotated_flush  streaming | ready
//   streaming   its stream task is running (or queued)   ready
//   ready       `outcome` is set (success or failure)    finalized, leaves
#pragma once

#include <deque>
#include <memory>
#include <optional>
#include <stop_token>
#include <vector>

#include "flushcoord/coverage.hpp"
#include "flushcoord/detail/async_waiters.hpp"
#include "flushcoord/detail/counted_condvar.hpp"
#include "flushcoord/detail/lifetime_hooks.hpp"
#include "flushcoord/detail/observer.hpp"
#include "flushcoord/engine.hpp"
#include "flushcoord/events.hpp"
#include "flushcoord/mutation.hpp"
#include "flushcoord/options.hpp"
#include "flushcoord/ticket.hpp"

namespace flushcoord::detail {

/// What one rotated flush shares between the caller, its stream task and the
/// finalizer: the engine's payload and the stream's cancellation.
template <class RotatedState>
struct flush_record {
  RotatedState payload;
  std::stop_source stop;
};

/// Runs `f` for a destructor, which must not throw. On a real runtime
/// nothing these destructors do throws (locks do not, events are noexcept);
/// a simulated runtime throws sim::aborted from a lock it cannot grant while
/// it abandons a failed run, and then the run is over anyway.
template <class F>
void in_destructor(F&& f) noexcept {
  try {
    f();
  } catch (...) {
  }
}

/// A stream task that has been spawned and has not yet returned.
struct running_stream {
  std::uint64_t seq;
  nanoseconds spawned_at;
};

enum class lifecycle : std::uint8_t { open, closing, closed };

template <runtime_policy R, engine E>
struct state {
  using rotated_state = typename E::rotated_state;
  using outcome = typename E::outcome;
  using snapshot_id = typename E::snapshot_id;
  using record = flush_record<rotated_state>;
  using cell_ref = detail::cell_ref<R, snapshot_id>;

  enum class phase : std::uint8_t { held, streaming, ready };

  struct slot {
    phase ph = phase::held;
    std::shared_ptr<record> rec;
    std::optional<result<outcome>> outcome_;  // set in phase ready
    std::optional<nanoseconds> deadline;       // streaming with a timeout
    cell_ref ticket;                           // empty until submitted
    // Only for the mutant finalize_in_arrival_order: published out of turn.
    std::optional<result<snapshot_id>> early_result;
  };

  state(R& runtime, E eng, options o)
      : sync(make_sync(runtime)),
        rt(&runtime),
        obs(o),
        m(sync->m, obs),
        ticket_cv(sync->ticket_cv),
        engine_(std::move(eng)),
        opts(o),
        shared_stop(o.stream_timeout ? std::stop_source(std::nostopstate) : std::stop_source()),
        permits_available(o.max_pending_flushes) {}

  /// The coordinator's lock and the tickets' wake-up, in a block of their
  /// own that every ticket cell shares: a cell owns it, not this state,
  /// so a cell kept by a slot of this state forms no ownership cycle.
  const std::shared_ptr<ticket_sync<R>> sync;
  R* const rt;
  /// Metrics and the listener's queue; `m` delivers the queue on unlock.
  observer<R> obs;
  /// The lock of sync, through which the state takes it. Waits use m.raw().
  observed_mutex<R> m;
  using guard = lock_guard<observed_mutex<R>>;
  counted_condvar<R>& ticket_cv;

  static std::shared_ptr<ticket_sync<R>> make_sync(R& runtime) {
    auto made = std::make_shared<ticket_sync<R>>();
    made->rt = &runtime;
    return made;
  }

  /// The stop source of a new flush (see shared_stop). Needs no lock.
  std::stop_source new_stop_source() const {
    return opts.stream_timeout ? std::stop_source() : shared_stop;
  }

  E engine_;
  const options opts;

  counted_condvar<R> permit_cv{"coordinator.permit_freed"};      // permits_available rose, or intake closed
  counted_condvar<R> finalizer_cv{"coordinator.finalizer_work"};  // work for the finalizer, or intake closed
  counted_condvar<R> progress_cv{"coordinator.progress"};         // pending fell, finalizer exited

  /// Without a stream_timeout, a stream is only ever told to stop when the
  /// finalizer resolves every flush left in the window as shut down — and
  /// then every stream still running belongs to one of those flushes. One
  /// stop source for all of them therefore signals exactly the same
  /// streams, and saves an allocation per flush. With a timeout, each flush
  /// gets its own (new_stop_source()).
  const std::stop_source shared_stop;

  lifecycle life = lifecycle::open;
  bool finalizer_done = false;
  /// shutdown() calls between collecting the tasks and returning. Only
  /// read by a coverage mark (a shutdown joining while another does).
  std::size_t shutdowns_joining = 0;
  /// Held by whoever is publishing (the finalizer task, or a stream task
  /// finalizing inline, see finalizer::finalize_ready_inline): finalize runs
  /// unlocked, so this token is what keeps two publishers from overlapping.
  bool finalizing = false;
  std::size_t permits_available;
  std::uint64_t next_seq = 0;
  std::uint64_t next_finalize = 0;
  std::deque<slot> window;
  std::size_t pending = 0;
  std::uint64_t finished = 0;  // flushes resolved so far; drain's measure of progress
  std::uint64_t failed = 0;
  std::optional<flush_error> last_failure;
  std::uint64_t late_results_dropped = 0;
  std::vector<running_stream> running;
  std::vector<typename R::task_handle> stream_tasks;
  std::size_t stream_tasks_prune_at = 16;  // see coordinator::prune_finished_tasks
  std::optional<typename R::task_handle> finalizer_task;
  /// async_acquire_permit callers still waiting, oldest first. Outcome:
  /// empty = granted (the permit is already counted out), else why not.
  waiter_queue<std::optional<flush_error>> permit_waiters;

  // ---- helpers; all require m held -------------------------------------

  /// noexcept: an event is reported in the middle of a state change under
  /// the lock; an exception escaping on_event would leave the coordinator
  /// half-changed, so it terminates instead (engine.hpp).
  /// `took`: for the end of something timed (listener_event::took), how
  /// long since observe_now() at its start.
  void emit(event_kind kind, std::uint64_t seq = no_seq, std::uint64_t count = 0, bool ok = true,
            nanoseconds took = nanoseconds(0)) noexcept {
    if constexpr (requires { rt->on_event(coordinator_event{}); })
      rt->on_event(coordinator_event{kind, seq, count, ok});
    if constexpr (requires { engine_.on_event(coordinator_event{}); })
      engine_.on_event(coordinator_event{kind, seq, count, ok});
    if (obs.active()) [[unlikely]]
      obs.record(*rt, coordinator_event{kind, seq, count, ok}, took);
  }

  /// The start of something emit() will time: now() if anything observes,
  /// else zero (and no clock is read).
  nanoseconds observe_now() const { return obs.active() ? rt->now() : nanoseconds(0); }
  /// How long since `start` (from observe_now()); zero if nothing observes.
  nanoseconds observed_since(nanoseconds start) const {
    return obs.active() ? rt->now() - start : nanoseconds(0);
  }

  /// The window entry of `seq`, or null if `seq` is not in the window
  /// (already resolved, or never rotated).
  slot* find(std::uint64_t seq) {
    if (seq < next_finalize || seq - next_finalize >= window.size()) return nullptr;
    return &window[seq - next_finalize];
  }

  void record_failure(const flush_error& err) {
    emit(event_kind::flush_failed, err.seq.value_or(no_seq), static_cast<std::uint64_t>(err.code), false);
    if (FLUSHCOORD_MUTANT(failure_count_not_updated)) return;
    ++failed;
    last_failure = err;
  }

  /// A permit came back. An async waiter, if any, gets it at once (they
  /// are served before blocked callers, oldest first: a suspended writer
  /// costs no thread, and a woken blocked caller would only find the
  /// permit gone); otherwise blocked callers are woken to compete for it.
  void release_permit(std::uint64_t seq) {
    ++permits_available;
    emit(event_kind::permit_released, seq, permits_available);
    if constexpr (async_runtime_policy<R>) {
      if (!permit_waiters.empty() && !FLUSHCOORD_MUTANT(async_waiter_starved)) {
        FLUSHCOORD_MARK(async_permit_handed_over);
        --permits_available;
        emit(event_kind::permit_acquired, no_seq, permits_available);
        permit_waiters.complete_front(*rt, std::nullopt);
        return;
      }
    }
    permit_cv.notify_all();
  }

  /// Stops intake: later acquires, rotates and submissions fail with
  /// errc::shut_down, and permit waiters wake up to see it.
  void begin_close() {
    if (life != lifecycle::open) return;
    life = lifecycle::closing;
    note_coordinator_closed(*rt);
    emit(event_kind::close_begun);
    if constexpr (async_runtime_policy<R>) {
      FLUSHCOORD_MARK_IF(!permit_waiters.empty(), async_permit_waiter_refused_by_close);
      if (!FLUSHCOORD_MUTANT(close_strands_async_waiters)) permit_waiters.complete_all(*rt, [] {
        return std::optional<flush_error>(
            flush_error::make(errc::shut_down, std::nullopt, "coordinator is shut down"));
      });
    }
    permit_cv.notify_all();
    finalizer_cv.notify_all();
    progress_cv.notify_all();
  }

  /// Hands `seq` its outcome unless it already has one. A result for a flush
  /// that was resolved meanwhile (timed out, shut down) is dropped: nothing
  /// is ever finalized twice. Returns true if the outcome was taken. Wakes
  /// the finalizer task unless the caller publishes inline itself.
  bool deliver(std::uint64_t seq, result<outcome> out, bool wake_finalizer = true) {
    slot* s = find(seq);
    if (s == nullptr || s->ph != phase::streaming) {
      FLUSHCOORD_MARK(late_result_dropped);
      ++late_results_dropped;
      emit(event_kind::late_result_dropped, seq);
      return false;
    }
    if (FLUSHCOORD_MUTANT(every_flush_times_out))
      out = flush_error::make(errc::stream_timeout, seq, "mutant: every flush times out");
    s->outcome_.emplace(std::move(out));
    s->ph = phase::ready;
    if (FLUSHCOORD_MUTANT(permit_released_at_stream_end)) release_permit(seq);
    s->deadline.reset();
    if (wake_finalizer) finalizer_cv.notify_one();
    return true;
  }

  void forget_running(std::uint64_t seq) {
    for (auto it = running.begin(); it != running.end(); ++it) {
      if (it->seq == seq) {
        running.erase(it);
        break;
      }
    }
    progress_cv.notify_all();
  }

  /// The earliest deadline of a stream that has not timed out yet.
  std::optional<nanoseconds> earliest_deadline() const {
    std::optional<nanoseconds> best;
    for (const slot& s : window)
      if (s.deadline && (!best || *s.deadline < *best)) best = s.deadline;
    return best;
  }

  /// Fails every stream past its deadline and returns their stop sources,
  /// to be signalled once `m` is released (stop callbacks are user code).
  std::vector<std::stop_source> expire_overdue(nanoseconds now) {
    std::vector<std::stop_source> to_stop;
    for (std::size_t i = 0; i < window.size(); ++i) {
      slot& s = window[i];
      if (!is_overdue(s, now)) continue;
      FLUSHCOORD_MARK(stream_timed_out);
      time_out(s, next_finalize + i);
      to_stop.push_back(s.rec->stop);
    }
    return to_stop;
  }

  /// As expire_overdue for the one flush `seq`, whose stream has just
  /// returned (so there is nobody left to stop).
  void expire_one_if_overdue(std::uint64_t seq, nanoseconds now) {
    slot* s = find(seq);
    if (s == nullptr || !is_overdue(*s, now)) return;
    FLUSHCOORD_MARK(result_landed_past_deadline);
    time_out(*s, seq);
  }

  static bool is_overdue(const slot& s, nanoseconds now) { return s.deadline && *s.deadline <= now; }

  void time_out(slot& s, std::uint64_t seq) {
    s.outcome_.emplace(flush_error::make(
        errc::stream_timeout, seq,
        "exceeded stream_timeout of " + std::to_string(opts.stream_timeout->count()) + "ns"));
    s.ph = phase::ready;
    s.deadline.reset();
    emit(event_kind::stream_timed_out, seq);
  }
};

}  // namespace flushcoord::detail

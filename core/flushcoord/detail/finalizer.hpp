// flushcoord/detail/finalizer.hpp — the one task that publishes flushes.
//
// The finalizer takes flushes out of the reorder window strictly in sequence
// order and runs finalize (the stream succeeded) or finalize_failure (it did
// not) for each, one at a time, without holding the coordinator's lock. Only
// after that does it resolve the ticket, release the permit and lower the
// pending count — so a permit is never back before its flush is published.
//
// It exits once intake is closed and nothing more can be finalized in order:
// the window is empty, or its first flush is still held by the caller (it
// was rotated and not submitted before the close, so it never will be). In
// the second case every flush left in the window resolves with
// errc::shut_down and neither finalize nor finalize_failure runs for it.
#pragma once

#include <exception>
#include <string>
#include <utility>

#include "flushcoord/coverage.hpp"
#include "flushcoord/detail/state.hpp"

namespace flushcoord::detail {

/// Only for the mutant non_std_throw_mislabeled: is the exception in
/// flight a std::exception?
inline bool current_is_std_exception() {
  try {
    throw;
  } catch (const std::exception&) {
    return true;
  } catch (...) {
    return false;
  }
}

/// Text for an exception caught from user code.
inline std::string describe_current_exception() {
  try {
    throw;
  } catch (const std::exception& e) {
    FLUSHCOORD_MARK(caught_std_exception);
    return std::string("exception: ") + e.what();
  } catch (...) {
    FLUSHCOORD_MARK(caught_non_std_exception);
    return "non-standard exception";
  }
}

template <runtime_policy R, engine E>
class finalizer {
 public:
  using st = state<R, E>;
  using snapshot_id = typename E::snapshot_id;

  explicit finalizer(std::shared_ptr<st> s) : s_(std::move(s)) {}

  void run() {
    lock_guard lk(s_->m);
    for (;;) {
      unlocked_cleanup(lk, s_->expire_overdue(s_->rt->now()));
      if (s_->finalizing) {
        // A stream task is publishing inline. It takes every flush that is
        // ready in order before it lets go, and wakes us then if intake is
        // closed (we may have to exit); until then only deadlines matter.
        FLUSHCOORD_MARK(finalizer_defers_to_inline_publisher);
        wait_for_work();
        continue;
      }
      if (FLUSHCOORD_MUTANT(finalize_in_arrival_order) && finalize_out_of_order(lk)) continue;
      if (front_is_ready()) {
        s_->finalizing = true;
        finalize_front(lk);
        s_->finalizing = false;
        continue;
      }
      if (s_->life != lifecycle::open && nothing_more_in_order()) {
        if (!FLUSHCOORD_MUTANT(shutdown_leaves_orphans)) {
          s_->finalizing = true;
          resolve_rest_as_shut_down(lk);
          s_->finalizing = false;
        }
        break;
      }
      wait_for_work();
    }
    s_->finalizer_done = true;
    s_->emit(event_kind::finalizer_exited);
    s_->progress_cv.notify_all();
  }

  /// Publishes, on the calling stream task, every flush that is ready in
  /// order — if the first one is ready and nobody else is publishing. The
  /// stream that delivers the next result in order thus finalizes it
  /// without handing it to the finalizer task: one wake-up and two lock
  /// hand-offs fewer per flush (RocksDB installs flush results the same way:
  /// the flush job that completes the oldest memtable installs every
  /// consecutive completed one). Order and mutual exclusion are the
  /// finalizing token's. Called and returns with `lk` held.
  ///
  /// Only stream tasks call this: the writer's paths (submit, abandon) may
  /// hold the engine's flush lock, which finalize takes (SPEC §4). A stream
  /// task runs on a writer's thread only with the prod runtime's UNSAFE
  /// opt-in callers_run_streams (runtime_policy.hpp, wait_or_help; off by
  /// default), which voids this: see engine.hpp.
  ///
  /// Engine callbacks' exceptions are caught in publish(). What else can
  /// throw here is an allocation failure while a flush is resolved, or the
  /// simulator abandoning a failed run; the token is handed back either way
  /// (on the finalizer task's thread the same failure terminates, and so it
  /// does on the prod runtime's own pool threads).
  void finalize_ready_inline(typename st::guard& lk) {
    if (s_->finalizing || !front_is_ready()) return;
    FLUSHCOORD_MARK(stream_publishes_inline);
    s_->finalizing = true;
    try {
      while (front_is_ready()) finalize_front(lk);
    } catch (...) {
      if (lk.owns_lock()) hand_back_token();
      throw;
    }
    hand_back_token();
  }

 private:
  /// Requires m held. The finalizer may have deferred to us while intake
  /// closed: it decides whether to exit. Deadlines it tracks itself.
  void hand_back_token() {
    s_->finalizing = false;
    FLUSHCOORD_MARK_IF(s_->life != lifecycle::open, inline_publisher_wakes_finalizer);
    if (s_->life != lifecycle::open) s_->finalizer_cv.notify_all();
  }

  bool front_is_ready() const {
    return !s_->window.empty() && s_->window.front().ph == st::phase::ready;
  }

  bool nothing_more_in_order() const {
    return s_->window.empty() || s_->window.front().ph == st::phase::held;
  }

  void wait_for_work() {
    if (auto deadline = s_->earliest_deadline())
      s_->finalizer_cv.wait_until(s_->m, *deadline);
    else
      s_->finalizer_cv.wait(s_->m);
  }

  /// Signals stop sources and drops payloads with the lock released: stop
  /// callbacks and payload destructors are user code and may take locks.
  static void unlocked_cleanup(typename st::guard& lk,
                               std::vector<std::stop_source> to_stop,
                               std::vector<std::shared_ptr<typename st::record>> to_drop = {}) {
    if (to_stop.empty() && to_drop.empty()) return;
    lk.unlock();
    for (auto& src : to_stop) src.request_stop();
    to_drop.clear();
    lk.lock();
  }

  /// Removes the first flush of the window, publishes it with the lock
  /// released, then resolves it.
  void finalize_front(typename st::guard& lk) {
    typename st::slot flush = std::move(s_->window.front());
    s_->window.pop_front();
    const std::uint64_t seq = s_->next_finalize++;
    const bool success = flush.outcome_->ok();
    s_->emit(event_kind::finalize_begin, seq, 0, success);
    const nanoseconds began = s_->observe_now();
    lk.unlock();
    result<snapshot_id> outcome =
        flush.early_result ? std::move(*flush.early_result) : publish(seq, flush);
    flush.rec.reset();  // the payload's destructor is user code: run it unlocked
    lk.lock();
    finish(seq, flush, std::move(outcome), s_->observed_since(began));
  }

  result<snapshot_id> publish(std::uint64_t seq, typename st::slot& flush) {
    E& eng = s_->engine_;
    const auto& payload = flush.rec->payload;
    if (flush.outcome_->ok()) {
      try {
        result<snapshot_id> r = eng.finalize(seq, payload, std::move(*flush.outcome_).value());
        if (r.ok()) return r;
        FLUSHCOORD_MARK(finalize_returned_error);
        return flush_error::make(errc::finalize_failed, seq, r.error().message);
      } catch (...) {
        FLUSHCOORD_MARK(finalize_threw);
        return flush_error::make(errc::finalize_failed, seq, describe_current_exception());
      }
    }
    const flush_error err = flush.outcome_->error();
    try {
      eng.finalize_failure(seq, payload, err);
    } catch (...) {
      FLUSHCOORD_MARK(finalize_failure_threw);
      // finalize_failure cannot make a failed flush fail harder; the ticket
      // carries the original cause.
      if (FLUSHCOORD_MUTANT(failure_throw_replaces_error))
        return flush_error::make(errc::finalize_failed, seq, describe_current_exception());
    }
    return err;
  }

  void finish(std::uint64_t seq, typename st::slot& flush, result<snapshot_id> outcome, nanoseconds took) {
    const bool ok = outcome.ok();
    s_->emit(event_kind::finalize_end, seq, 0, ok, took);
    if (!ok) s_->record_failure(outcome.error());
    const bool drop_ticket = !ok && FLUSHCOORD_MUTANT(ticket_dropped_on_failure);
    if (flush.ticket && !drop_ticket) {
      // Reported first: resolve posts the async waiters' completions, and
      // in the simulator a post is a scheduling point where they may run.
      s_->emit(event_kind::ticket_resolved, seq, 0, ok);
      flush.ticket->resolve(std::move(outcome));
      s_->ticket_cv.notify_all();
    }
    if (!FLUSHCOORD_MUTANT(permit_released_at_stream_end)) s_->release_permit(seq);
    if (ok || !FLUSHCOORD_MUTANT(pending_not_decremented_on_failure)) --s_->pending;
    ++s_->finished;
    s_->emit(event_kind::flush_finished, seq, s_->pending, ok);
    s_->progress_cv.notify_all();
  }

  /// Intake is closed and the first flush can never arrive: resolve every
  /// flush left with errc::shut_down, and ask their streams to stop.
  void resolve_rest_as_shut_down(typename st::guard& lk) {
    std::vector<std::stop_source> to_stop;
    std::vector<std::shared_ptr<typename st::record>> to_drop;
    FLUSHCOORD_MARK_IF(!s_->window.empty(), shut_down_with_front_held);
    while (!s_->window.empty()) {
      typename st::slot flush = std::move(s_->window.front());
      s_->window.pop_front();
      const std::uint64_t seq = s_->next_finalize++;
      FLUSHCOORD_MARK_IF(flush.ph == st::phase::streaming, shut_down_stops_streaming_flush);
      if (flush.ph == st::phase::streaming) to_stop.push_back(flush.rec->stop);
      to_drop.push_back(std::move(flush.rec));
      flush_error err = flush_error::make(errc::shut_down, seq,
                                          "coordinator shut down before this flush could be finalized in order");
      s_->record_failure(err);
      s_->emit(event_kind::shut_down_unfinalized, seq);
      if (flush.ticket) {
        s_->emit(event_kind::ticket_resolved, seq, 0, false);  // before the post, as in finish()
        flush.ticket->resolve(std::move(err));
      }
      s_->release_permit(seq);
      --s_->pending;
      ++s_->finished;
      s_->emit(event_kind::flush_finished, seq, s_->pending, false);
    }
    s_->ticket_cv.notify_all();
    s_->progress_cv.notify_all();
    unlocked_cleanup(lk, std::move(to_stop), std::move(to_drop));
  }

  /// Mutant finalize_in_arrival_order: publishes a ready flush that is not
  /// first in line, as a coordinator without a reorder buffer would.
  bool finalize_out_of_order(typename st::guard& lk) {
    for (std::size_t i = 1; i < s_->window.size(); ++i) {
      typename st::slot& flush = s_->window[i];  // deque: stable while we run
      if (flush.ph != st::phase::ready || flush.early_result) continue;
      const std::uint64_t seq = s_->next_finalize + i;
      s_->emit(event_kind::finalize_begin, seq, 0, flush.outcome_->ok());
      lk.unlock();
      result<snapshot_id> outcome = publish(seq, flush);
      lk.lock();
      flush.early_result.emplace(std::move(outcome));
      return true;
    }
    return false;
  }

  std::shared_ptr<st> s_;
};

}  // namespace flushcoord::detail

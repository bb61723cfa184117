// flushcoord/detail/stream_task.hpp — the body of one spawned stream.
//
// A stream task owns a `landing` guard. Whatever becomes of the task — it
// runs and returns, it runs and throws, or the runtime destroys it before it
// ever ran — the guard hands the flush a result exactly once, so the
// finalizer never waits forever for a sequence number (SPEC §2.1).
//
// spawn_stream_task below spawns it; if the runtime fails to (spawn throws),
// the flush fails as errc::never_ran and the exception propagates.
#pragma once

#include <algorithm>
#include <memory>
#include <type_traits>
#include <utility>

#include "flushcoord/coverage.hpp"
#include "flushcoord/detail/finalizer.hpp"
#include "flushcoord/detail/state.hpp"

namespace flushcoord::detail {

/// A stream task being spawned right now by this OS thread, which holds the
/// coordinator's lock meanwhile (spawn_stream_task). A task destroyed unrun
/// in that window — inside its own failed spawn, or (in the simulator) by
/// its own fiber at spawn's scheduling point — must not take that lock: the
/// spawning thread holds it and would wait for the destructor forever. It
/// notes the destruction here instead, and the spawning thread fails the
/// flush once spawn is over. Nothing else can reach this without the lock,
/// so the list lives in a thread_local (no atomics, no lock): a destructor
/// on another OS thread never finds its entry and takes the lock as usual.
/// A list, not one pointer, because simulated tasks interleave on one
/// thread. An entry is identified by the coordinator's state and the
/// sequence number: exactly one task per flush.
class spawn_attempt {
 public:
  spawn_attempt(const void* state, std::uint64_t seq) noexcept
      : state_(state), seq_(seq), next_(head_) {
    head_ = this;
  }
  ~spawn_attempt() {
    for (spawn_attempt** p = &head_; *p != nullptr; p = &(*p)->next_) {
      if (*p == this) {
        *p = next_;
        break;
      }
    }
  }
  spawn_attempt(const spawn_attempt&) = delete;
  spawn_attempt& operator=(const spawn_attempt&) = delete;

  /// True if the task of (`state`, `seq`) is being spawned on this thread;
  /// then its destruction is noted for the spawning thread.
  static bool note_destroyed(const void* state, std::uint64_t seq) noexcept {
    for (spawn_attempt* a = head_; a != nullptr; a = a->next_) {
      if (a->state_ == state && a->seq_ == seq) {
        a->task_destroyed_ = true;
        return true;
      }
    }
    return false;
  }

  bool task_destroyed() const noexcept { return task_destroyed_; }

 private:
  static inline thread_local spawn_attempt* head_ = nullptr;
  const void* state_;
  std::uint64_t seq_;
  spawn_attempt* next_;
  bool task_destroyed_ = false;
};

template <runtime_policy R, engine E>
class stream_landing {
 public:
  using st = state<R, E>;
  using outcome = typename E::outcome;

  stream_landing(std::shared_ptr<st> s, std::uint64_t seq) : s_(std::move(s)), seq_(seq) {}
  stream_landing(stream_landing&& o) noexcept
      : s_(std::move(o.s_)), seq_(o.seq_), landed_(std::exchange(o.landed_, true)), began_(o.began_) {}
  stream_landing& operator=(stream_landing&&) = delete;

  /// The task was destroyed without running: fail the flush as never_ran
  /// (or let spawn_stream_task do so, if it is still spawning this task).
  ~stream_landing() {
    if (landed_ || !s_) return;
    if (spawn_attempt::note_destroyed(s_.get(), seq_)) return;
    FLUSHCOORD_MARK(stream_never_ran);
    lock_guard lk(s_->m);
    s_->emit(event_kind::stream_lost, seq_);
    if (!FLUSHCOORD_MUTANT(no_failure_on_never_ran))
      s_->deliver(seq_, flush_error::make(errc::never_ran, seq_,
                                          "the runtime stopped before the stream task first ran"));
    s_->forget_running(seq_);
  }

  /// True if the stream should still run: nobody resolved the flush meanwhile.
  bool begin() {
    lock_guard lk(s_->m);
    auto* slot = s_->find(seq_);
    const bool wanted = slot != nullptr && slot->ph == st::phase::streaming;
    if (wanted) {
      s_->emit(event_kind::stream_started, seq_);
      began_ = s_->observe_now();
    }
    FLUSHCOORD_MARK_IF(!wanted, stream_began_after_resolved);
    return wanted;
  }

  /// True if the flush was resolved while its stream ran (timed out or shut
  /// down): whatever the stream returns now is dropped.
  bool resolved_meanwhile() {
    lock_guard lk(s_->m);
    auto* slot = s_->find(seq_);
    return slot == nullptr || slot->ph != st::phase::streaming;
  }

  E& engine() { return s_->engine_; }

  /// Hands the stream's result over, or drops it as late. If it is the next
  /// result in order, this task publishes it (and whatever is ready after
  /// it) itself; otherwise whoever publishes the flushes before it will.
  void land(std::optional<result<outcome>> out) {
    landed_ = true;
    lock_guard lk(s_->m);
    // The mutant finalize_in_arrival_order lives in the finalizer task's
    // loop: with it on, every result goes there, as before inline publishing.
    const bool inline_ok = !FLUSHCOORD_MUTANT(finalize_in_arrival_order);
    bool delivered = false;
    if (out) {
      // The finalizer task is not the only guard of a deadline: while it
      // publishes (finalize may wait for the engine's locks) it cannot
      // notice one pass. A result that lands at or after its flush's
      // deadline times the flush out here, as the finalizer would have,
      // and is then dropped as late (traces/corpus/0003).
      if (!FLUSHCOORD_MUTANT(deadline_only_in_finalizer)) s_->expire_one_if_overdue(seq_, s_->rt->now());
      s_->emit(event_kind::stream_returned, seq_, 0, out->ok(), s_->observed_since(began_));
      delivered = s_->deliver(seq_, std::move(*out), /*wake_finalizer=*/!inline_ok);
    }
    s_->forget_running(seq_);
    if (delivered && inline_ok) finalizer<R, E>(s_).finalize_ready_inline(lk);
  }

  std::uint64_t seq() const { return seq_; }

 private:
  std::shared_ptr<st> s_;
  std::uint64_t seq_;
  bool landed_ = false;
  nanoseconds began_{0};  // the stream's start, if observed (state::observe_now)
};

/// The callable handed to R::spawn. `landing` is declared first so that it
/// is destroyed last: by the time the flush is told "never ran", the user's
/// stream function (and whatever it captured) is already gone.
template <runtime_policy R, engine E, class StreamFn>
struct stream_task {
  stream_landing<R, E> landing;
  std::shared_ptr<flush_record<typename E::rotated_state>> rec;
  StreamFn fn;

  void operator()() {
    using outcome = typename E::outcome;
    if (!landing.begin()) {
      landing.land(std::nullopt);
      return;
    }
    std::optional<result<outcome>> out;
    try {
      result<outcome> r = fn(std::as_const(rec->payload), rec->stop.get_token());
      FLUSHCOORD_MARK_IF(!r.ok(), stream_returned_error);
      if (r.ok())
        out.emplace(std::move(r));
      else  // name the flush and the cause, whatever code the stream chose
        out.emplace(flush_error::make(errc::stream_failed, landing.seq(), r.error().message));
    } catch (...) {
      FLUSHCOORD_MARK(stream_threw);
      if (FLUSHCOORD_MUTANT(no_result_on_throw)) {
        landing.land(std::nullopt);
        return;
      }
      const errc code = FLUSHCOORD_MUTANT(non_std_throw_mislabeled) && !current_is_std_exception()
                            ? errc::stream_failed
                            : errc::stream_threw;
      out.emplace(flush_error::make(code, landing.seq(), describe_current_exception()));
    }
    if (FLUSHCOORD_MUTANT(late_result_finalized) && out->ok() && landing.resolved_meanwhile()) {
      try {  // the hole of §2.6: a late result published a second time
        (void)landing.engine().finalize(landing.seq(), rec->payload, std::move(*out).value());
      } catch (...) {
      }
    }
    landing.land(std::move(out));
  }
};

/// Requires s->m held and `seq` streaming. Fails a flush whose stream task
/// the runtime did not start, as a landing destroyed unrun does (mutant
/// included).
template <runtime_policy R, engine E>
void fail_unstarted_stream(state<R, E>& s, std::uint64_t seq, flush_error err) {
  s.emit(event_kind::stream_lost, seq);
  if (!FLUSHCOORD_MUTANT(no_failure_on_never_ran)) s.deliver(seq, std::move(err));
  s.forget_running(seq);
}

/// Called while an exception from spawn is handled: the never_ran error
/// naming it. If even that cannot be allocated, a short message that needs
/// no allocation: the flush must not stay streaming with no task.
inline flush_error spawn_failed_error(std::uint64_t seq) noexcept {
  try {
    return flush_error::make(errc::never_ran, seq,
                             "the runtime failed to start the stream task: " +
                                 describe_current_exception());
  } catch (...) {
    return flush_error{errc::never_ran, seq, "spawn failed"};
  }
}

/// Requires s->m held and `seq` streaming. Spawns the stream task of `seq`
/// and keeps its handle in s->stream_tasks (made room for first, so that a
/// task that started is never left out of shutdown's join). If that throws,
/// the flush fails as errc::never_ran ("the runtime failed to start the
/// stream task: <what>") and the exception propagates; a task the runtime
/// destroyed before spawn returned fails it as never_ran too.
template <runtime_policy R, engine E, class F>
void spawn_stream_task(const std::shared_ptr<state<R, E>>& s, std::uint64_t seq,
                       std::shared_ptr<flush_record<typename E::rotated_state>> rec, F&& fn) {
  using task = stream_task<R, E, std::remove_cvref_t<F>>;
  auto& tasks = s->stream_tasks;
  spawn_attempt attempt(s.get(), seq);
  try {
    if (tasks.size() == tasks.capacity())
      tasks.reserve(std::max<std::size_t>(16, 2 * tasks.size()));
    tasks.push_back(s->rt->spawn(
        task_kind::stream, "stream",
        task{stream_landing<R, E>(s, seq), std::move(rec), std::forward<F>(fn)}));
  } catch (...) {
    fail_unstarted_stream(*s, seq, spawn_failed_error(seq));
    throw;
  }
  if (attempt.task_destroyed())
    fail_unstarted_stream(*s, seq,
                          flush_error::make(errc::never_ran, seq,
                                            "the runtime stopped before the stream task first ran"));
}

}  // namespace flushcoord::detail

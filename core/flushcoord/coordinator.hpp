// flushcoord/coordinator.hpp — the async-flush coordinator.
//
//   coordinator<R, E>                  the coordinator (R: runtime_policy, E: engine)
//   coordinator<R, E>::permit          one back-pressure slot, RAII
//   coordinator<R, E>::rotated_flush   a rotated flush with its sequence number, RAII
//   coordinator<R, E>::ticket_type     flushcoord::ticket<R, E::snapshot_id>
//
// The life of one flush
// ---------------------
//   auto p  = coord.acquire_permit();              // blocks while P flushes are pending
//   /* engine: take flush lock, freeze L0 into `state` */
//   auto rf = coord.rotate(std::move(*p), state);  // seq assigned, pending + 1
//   /* engine: release flush lock */
//   auto t  = coord.spawn_stream(std::move(rf), stream_fn);
//   ...                                            // streams finish in any order
//   t.wait();                                      // finalized strictly in seq order
//
// Every rotated flush reaches the finalizer exactly once, whatever happens to
// it: its stream returns an error, throws, exceeds options::stream_timeout,
// is destroyed before it runs, or the rotated_flush is destroyed unsubmitted.
// Each becomes a finalize_failure with an error naming the cause and the
// sequence number (SPEC §2.1).
//
// Lifecycle
// ---------
//   state     entered by                 intake (acquire/rotate/submit)   finalizer
//   --------  -------------------------  -------------------------------  -----------------
//   open      construction               accepted                         running
//   closing   first close()/shutdown()   fails with errc::shut_down       finishes in order,
//                                        (permit waiters are woken)       then exits
//   closed    first shutdown() to return fails with errc::shut_down       exited, joined
//
// Threading: every member may be called from any thread or task, concurrently,
// except where noted. Callbacks into the engine never run under the
// coordinator's lock. Do not call shutdown() from a stream or from finalize:
// it waits for those tasks.
#pragma once

#include <algorithm>
#include <memory>
#include <stop_token>
#include <utility>
#include <vector>

#include "flushcoord/detail/deadline.hpp"
#include "flushcoord/coverage.hpp"
#include "flushcoord/detail/finalizer.hpp"
#include "flushcoord/detail/lifetime_hooks.hpp"
#include "flushcoord/detail/state.hpp"
#include "flushcoord/detail/stream_task.hpp"
#include "flushcoord/engine.hpp"
#include "flushcoord/error.hpp"
#include "flushcoord/events.hpp"
#include "flushcoord/listener.hpp"
#include "flushcoord/metrics.hpp"
#include "flushcoord/note.hpp"
#include "flushcoord/options.hpp"
#include "flushcoord/result.hpp"
#include "flushcoord/runtime_policy.hpp"
#include "flushcoord/ticket.hpp"

namespace flushcoord {

/// A stream function for engine E: reads the rotated state, honours the stop
/// token if it can, and returns the outcome or stream_error(...). It may throw.
template <class F, class E>
concept stream_function =
    std::move_constructible<F> &&
    std::is_invocable_r_v<result<typename E::outcome>, F&, const typename E::rotated_state&,
                          std::stop_token>;

/// A stream task still running (or queued), as coordinator::running_streams
/// reports it. `spawned_at` is on the runtime's clock.
struct stream_info {
  std::uint64_t seq;
  nanoseconds spawned_at;
};

template <runtime_policy R, engine E>
class coordinator {
  static_assert(engine_movable<E>,
                "flushcoord::coordinator: the engine type must be move-constructible (it is moved "
                "into the coordinator once, at construction). A std::mutex or std::atomic member "
                "makes it immovable: keep such members in your storage engine and make the engine "
                "type a handle to it (a pointer or std::shared_ptr), see flushcoord/engine.hpp.");
  using st = detail::state<R, E>;

 public:
  using rotated_state = typename E::rotated_state;
  using outcome = typename E::outcome;
  using snapshot_id = typename E::snapshot_id;
  using ticket_type = ticket<R, snapshot_id>;

  // ---- permit -------------------------------------------------------------

  /// One of max_pending_flushes slots. Moved into rotate(), it becomes the
  /// flush's and comes back after that flush is finalized. Destroyed unused,
  /// it comes back at once. Move-only.
  class permit {
   public:
    permit() = default;
    permit(permit&& o) noexcept : s_(std::move(o.s_)) {}
    permit& operator=(permit&& o) noexcept {
      if (this != &o) {
        give_back();
        s_ = std::move(o.s_);
      }
      return *this;
    }
    ~permit() { detail::in_destructor([&] { give_back(); }); }
    bool valid() const { return s_ != nullptr; }

   private:
    friend class coordinator;
    explicit permit(std::shared_ptr<st> s) : s_(std::move(s)) {}
    void give_back() {
      if (!s_) return;
      FLUSHCOORD_MARK(permit_returned_unused);
      auto s = std::move(s_);
      lock_guard lk(s->m);
      s->release_permit(no_seq);
    }
    std::shared_ptr<st> s_;
  };

  // ---- rotated_flush ---------------------------------------------------------

  /// A flush that has its sequence number and counts as pending. Submit it
  /// (submit or spawn_stream) exactly once; destroyed unsubmitted, it fails
  /// as errc::abandoned so later flushes are not blocked. Move-only; a
  /// moved-from rotated_flush is empty and submitting it throws usage_error.
  class rotated_flush {
   public:
    rotated_flush() = default;
    rotated_flush(rotated_flush&& o) noexcept
        : s_(std::move(o.s_)), rec_(std::move(o.rec_)), seq_(o.seq_) {}
    rotated_flush& operator=(rotated_flush&& o) noexcept {
      if (this != &o) {
        abandon();
        s_ = std::move(o.s_);
        rec_ = std::move(o.rec_);
        seq_ = o.seq_;
      }
      return *this;
    }
    ~rotated_flush() { detail::in_destructor([&] { abandon(); }); }

    bool valid() const { return s_ != nullptr; }
    std::uint64_t seq() const { return seq_; }
    const rotated_state& payload() const {
      if (!rec_) throw usage_error("rotated_flush::payload() on an empty rotated_flush");
      return rec_->payload;
    }

   private:
    friend class coordinator;
    rotated_flush(std::shared_ptr<st> s, std::shared_ptr<detail::flush_record<rotated_state>> rec,
                  std::uint64_t seq)
        : s_(std::move(s)), rec_(std::move(rec)), seq_(seq) {}

    void abandon() {
      if (!s_) return;
      auto s = std::move(s_);
      auto rec = std::move(rec_);
      {
        lock_guard lk(s->m);
        auto* slot = s->find(seq_);
        FLUSHCOORD_MARK_IF(slot == nullptr, abandon_after_shut_down);
        if (slot != nullptr && slot->ph == st::phase::held) {
          FLUSHCOORD_MARK(abandon_held_flush);
          s->emit(event_kind::abandoned, seq_);
          if (!FLUSHCOORD_MUTANT(no_failure_on_abandon)) {
            slot->outcome_.emplace(flush_error::make(
                errc::abandoned, seq_, "rotated flush destroyed without being submitted"));
            slot->ph = st::phase::ready;
            s->finalizer_cv.notify_one();
          }
        }
      }
    }

    std::shared_ptr<st> s_;
    std::shared_ptr<detail::flush_record<rotated_state>> rec_;
    std::uint64_t seq_ = 0;
  };

  // ---- construction ----------------------------------------------------------

  /// Starts the finalizer task on `rt`. Throws usage_error for invalid
  /// options. `rt` must outlive every task the coordinator spawns (the prod
  /// runtime's destructor joins them).
  coordinator(R& rt, E eng, options opts)
      : s_((validate(opts), std::make_shared<st>(rt, std::move(eng), opts))) {
    lock_guard lk(s_->m);
    s_->finalizer_task = rt.spawn(task_kind::finalizer, "finalizer",
                                  [f = detail::finalizer<R, E>(s_)]() mutable { f.run(); });
    detail::note_coordinator_opened(rt);
  }

  coordinator(const coordinator&) = delete;
  coordinator& operator=(const coordinator&) = delete;

  /// Non-blocking: closes intake like close() and returns. Work in flight
  /// finishes on the runtime; tasks keep the shared state alive (§2.4).
  ~coordinator() {
    detail::in_destructor([&] {
      if (FLUSHCOORD_MUTANT(close_blocks))
        shutdown();
      else
        close();
    });
  }

  // ---- permits ----------------------------------------------------------------

  /// Blocks until a permit is free. Fails with errc::shut_down once intake
  /// is closed, including for callers already waiting.
  result<permit> acquire_permit() { return acquire(std::nullopt); }

  /// Never blocks: errc::no_permit if all are in use.
  result<permit> try_acquire_permit() {
    lock_guard lk(s_->m);
    FLUSHCOORD_MARK_IF(s_->life != detail::lifecycle::open, try_acquire_refused_closed);
    if (auto refused = refuse_if_closed()) return *refused;
    FLUSHCOORD_MARK_IF(s_->permits_available == 0, try_acquire_no_permit);
    if (s_->permits_available == 0)
      return flush_error::make(errc::no_permit, std::nullopt,
                               "all " + std::to_string(s_->opts.max_pending_flushes) + " permits in use");
    return take_permit();
  }

  /// As acquire_permit, but gives up after `timeout` (> 0) with
  /// errc::permit_timeout. nanoseconds::max(), or any timeout whose
  /// deadline would overflow, means no deadline (SPEC §2.7).
  result<permit> acquire_permit_for(nanoseconds timeout) {
    require_positive(timeout, "acquire_permit_for timeout");
    return acquire(timeout);
  }

  /// As acquire_permit, without blocking a thread: completes `token` with
  /// the permit (or why not) later, on a task of the runtime (R::post;
  /// runtime_policy.hpp), never on the calling thread's stack and never
  /// under the coordinator's lock. Suspended callers are served before
  /// blocked ones, oldest first, as permits come back. Close completes
  /// every suspended call with errc::shut_down; a stop request on `stop`
  /// completes this one with errc::cancelled if it is still waiting. If the
  /// runtime stops before the completion runs, the completion is destroyed
  /// unrun and its permit goes back.
  ///
  /// `token`: with the prod runtime any Boost.Asio completion token whose
  /// signature is void(result<permit>) (use_awaitable, use_future, a
  /// callback; prod/runtime.hpp); with a policy without async_initiate
  /// (the simulator), a callable void(result<permit>).
  template <class Token>
    requires async_runtime_policy<R>
  auto async_acquire_permit(Token&& token, std::stop_token stop = {}) {
    return detail::initiate_async<R, result<permit>>(
        std::forward<Token>(token), [s = s_, stop = std::move(stop)](auto completion) mutable {
          start_async_acquire(std::move(s), std::move(completion), std::move(stop));
        });
  }

  // ---- rotate and submit ------------------------------------------------------

  /// Assigns the next sequence number and counts the flush as pending, in one
  /// step, consuming `p`. Call it only after the engine's own rotate step
  /// succeeded. Fails with errc::shut_down once intake is closed (the permit
  /// is then given back). Throws usage_error for an empty permit.
  result<rotated_flush> rotate(permit&& p, rotated_state payload) {
    if (!p.valid() || p.s_ != s_)
      throw usage_error("rotate needs a valid permit of this coordinator");
    auto rec = std::make_shared<detail::flush_record<rotated_state>>(
        detail::flush_record<rotated_state>{std::move(payload), s_->new_stop_source()});
    // Declared before the lock, so destroyed after it: on refusal the permit
    // goes back right here (its release takes the lock), not whenever the
    // caller's moved-from object dies.
    permit taken = std::move(p);
    lock_guard lk(s_->m);
    FLUSHCOORD_MARK_IF(s_->life != detail::lifecycle::open, rotate_refused_closed);
    if (auto refused = refuse_if_closed()) return *refused;
    // The window first: if it cannot grow, nothing has changed yet (and the
    // permit goes back). window[i] must stay sequence next_finalize + i.
    s_->window.push_back(typename st::slot{st::phase::held, rec, {}, {}, {}, {}});
    taken.s_.reset();  // the permit now belongs to the flush
    const std::uint64_t seq = s_->next_seq++;
    ++s_->pending;
    s_->emit(event_kind::rotated, seq, s_->pending);
    return rotated_flush(s_, std::move(rec), seq);
  }

  /// Hands a flush whose stream already ran (inline) to the finalizer.
  /// After close, the returned ticket is resolved with errc::shut_down.
  /// An error is named with the flush's seq and the code stream_failed,
  /// except engine_error(...) (error.hpp), which keeps errc::engine_failed:
  /// the engine's own step failed, not a stream.
  ticket_type submit(rotated_flush&& rf, result<outcome> out) {
    auto [s, rec] = take_for_submit(rf, "submit");
    lock_guard lk(s->m);
    auto* slot = accepting_slot(rf.seq_);
    FLUSHCOORD_MARK_IF(slot == nullptr, submit_refused_closed);
    if (slot == nullptr) return refused_ticket(rf.seq_);
    if (out.ok())
      slot->outcome_.emplace(std::move(out));
    else  // name the flush and the cause, as for a spawned stream's error
      slot->outcome_.emplace(flush_error::make(
          out.error().code == errc::engine_failed && !FLUSHCOORD_MUTANT(engine_error_as_stream_failed)
              ? errc::engine_failed
              : errc::stream_failed,
          rf.seq_, out.error().message));
    slot->ph = st::phase::ready;
    s->emit(event_kind::submitted, rf.seq_);
    s->finalizer_cv.notify_one();
    return attach_ticket(*slot);
  }

  /// Runs `fn(payload, stop_token)` as a stream task and returns the flush's
  /// ticket. After close, the returned ticket is resolved with errc::shut_down
  /// and `fn` is not run.
  ///
  /// If the runtime fails to start the task (R::spawn throws: allocation,
  /// thread creation, a failing post), this rethrows that exception, and the
  /// flush (consumed all the same) fails as errc::never_ran "the runtime
  /// failed to start the stream task: <what>": finalize_failure runs for it
  /// in order, its permit comes back, later flushes go on, nothing wedges.
  /// Rethrown rather than turned into a failed ticket because the failure is
  /// the runtime's, not the flush's: an allocation failure or a dead runtime
  /// should stop the caller's loop, not be seen only by whoever waits on
  /// this one ticket (and the simulator's abandon exception must pass).
  template <stream_function<E> F>
  ticket_type spawn_stream(rotated_flush&& rf, F fn) {
    auto [s, rec] = take_for_submit(rf, "spawn_stream");
    lock_guard lk(s->m);
    const std::uint64_t seq = rf.seq_;
    auto* slot = accepting_slot(seq);
    FLUSHCOORD_MARK_IF(slot == nullptr, spawn_refused_closed);
    if (slot == nullptr) return refused_ticket(seq);
    const nanoseconds now = s->rt->now();
    slot->ph = st::phase::streaming;
    if (s->opts.stream_timeout && !FLUSHCOORD_MUTANT(timeout_not_enforced)) {
      // Empty if too far away to represent: then the stream has no deadline.
      const nanoseconds origin = FLUSHCOORD_MUTANT(timeout_from_wrong_origin) ? nanoseconds(0) : now;
      slot->deadline = detail::deadline_after(origin, *s->opts.stream_timeout);
      // The finalizer may be in an untimed wait: it must learn of the deadline.
      s->finalizer_cv.notify_one();
    }
    s->running.push_back(detail::running_stream{seq, now});
    ticket_type t = attach_ticket(*slot);
    s->emit(event_kind::stream_spawned, seq);
    prune_finished_tasks();
    // The policy promises spawn neither runs nor destroys the task before it
    // returns, so spawning under the lock cannot re-enter it; holding the
    // lock means shutdown() cannot miss this task when it collects handles.
    // A failed spawn does destroy it: stream_task.hpp keeps that from
    // re-entering the lock, and fails the flush.
    detail::spawn_stream_task<R, E>(s, seq, std::move(rec), std::move(fn));
    return t;
  }

  // ---- drain, close, shutdown -------------------------------------------------

  /// Waits until no flush is pending. Fails with errc::drain_stalled only if
  /// the pending count has not fallen for a whole `stall_timeout` (> 0):
  /// progress, not total time, is what is measured. Once the count reaches
  /// zero it returns promptly. After shutdown returned: errc::shut_down.
  /// nanoseconds::max(), or any stall_timeout whose deadline would
  /// overflow, means no deadline: drain then waits for zero pending.
  result<void> drain(nanoseconds stall_timeout) {
    require_positive(stall_timeout, "drain stall_timeout");
    lock_guard lk(s_->m);
    s_->emit(event_kind::drain_begun, no_seq, s_->pending);
    const nanoseconds began = s_->observe_now();
    FLUSHCOORD_MARK_IF(s_->life == detail::lifecycle::closed, drain_after_shutdown);
    if (s_->life == detail::lifecycle::closed) {
      s_->emit(event_kind::drain_returned, no_seq, s_->pending, false);
      return flush_error::make(errc::shut_down, std::nullopt, "drain after shutdown");
    }
    // Progress is any flush finishing, even while new rotations keep the
    // count up: compare the monotonic finished tally, not the count.
    std::uint64_t seen = s_->finished;
    // Empty: a stall_timeout too long to represent, which never expires.
    std::optional<nanoseconds> deadline = detail::deadline_after(s_->rt->now(), stall_timeout);
    while (s_->pending > 0) {
      if (s_->finished != seen && !FLUSHCOORD_MUTANT(drain_measures_total_time)) {
        FLUSHCOORD_MARK(drain_deadline_extended);
        seen = s_->finished;
        deadline = detail::deadline_after(s_->rt->now(), stall_timeout);
      }
      if (FLUSHCOORD_MUTANT(drain_checks_before_waiting)) {
        lk.unlock();  // the seed's window: a wake-up here is lost
        lk.lock();
      }
      bool timed_out = false;
      if (deadline)
        timed_out = !s_->progress_cv.wait_until(s_->m, *deadline);
      else
        s_->progress_cv.wait(s_->m);
      const bool stalled = s_->finished == seen || FLUSHCOORD_MUTANT(drain_measures_total_time);
      FLUSHCOORD_MARK_IF(timed_out && stalled && s_->pending > 0, drain_stalled);
      if (timed_out && stalled && s_->pending > 0) {
        s_->emit(event_kind::drain_returned, no_seq, s_->pending, false, s_->observed_since(began));
        return flush_error::make(
            errc::drain_stalled, std::nullopt,
            std::to_string(s_->pending) + " flushes pending and none finished within " +
                std::to_string(stall_timeout.count()) + "ns");
      }
    }
    s_->emit(event_kind::drain_returned, no_seq, s_->pending, true, s_->observed_since(began));
    return {};
  }

  /// Non-blocking: stops intake (like shutdown's first step) and returns.
  /// The finalizer finishes what can be finalized in order, then exits.
  void close() {
    lock_guard lk(s_->m);
    s_->begin_close();
  }

  /// Stops intake, waits for every stream task and the finalizer to end, and
  /// returns. Idempotent and safe to call concurrently; every call returns
  /// only after all tasks are joined. Afterwards: every ticket is resolved
  /// (errc::shut_down for flushes that could not be finalized in order),
  /// pending_count() == 0, every flush's permit is back, nothing finalizes.
  /// A stream that ignores its stop token delays this (see running_streams()).
  void shutdown() {
    std::vector<typename R::task_handle> tasks;
    std::optional<typename R::task_handle> fin;
    nanoseconds began{0};
    {
      lock_guard lk(s_->m);
      FLUSHCOORD_MARK_IF(s_->shutdowns_joining > 0, shutdown_while_another_joins);
      FLUSHCOORD_MARK_IF(s_->life == detail::lifecycle::closed, shutdown_after_shutdown_returned);
      ++s_->shutdowns_joining;
      s_->begin_close();
      tasks = s_->stream_tasks;
      fin = s_->finalizer_task;
      s_->emit(event_kind::shutdown_begun, no_seq, s_->pending);
      began = s_->observe_now();
    }
    if (!FLUSHCOORD_MUTANT(shutdown_skips_join))
      for (auto& t : tasks)
        if (!t.done()) {  // a finished task's join returns at once
          FLUSHCOORD_MARK(shutdown_joins_running_stream);
          t.join();
        }
    if (fin) fin->join();
    lock_guard lk(s_->m);
    --s_->shutdowns_joining;
    s_->life = detail::lifecycle::closed;
    s_->emit(event_kind::shutdown_returning, no_seq, s_->pending, true, s_->observed_since(began));
  }

  // ---- observation (any time, any thread) ------------------------------------

  std::size_t max_pending_flushes() const { return s_->opts.max_pending_flushes; }
  std::size_t pending_count() const { return read([](const st& s) { return s.pending; }); }
  std::size_t permits_available() const {
    return read([](const st& s) { return s.permits_available; });
  }
  /// Flushes that resolved with an error, and the latest such error (§2.5).
  std::uint64_t failed_count() const { return read([](const st& s) { return s.failed; }); }
  std::optional<flush_error> last_failure() const {
    return read([](const st& s) { return s.last_failure; });
  }
  /// Stream results that arrived after their flush was resolved (timed out).
  std::uint64_t late_results_dropped() const {
    return read([](const st& s) { return s.late_results_dropped; });
  }
  /// Stream tasks spawned and not yet returned, oldest first (§2.6).
  std::vector<stream_info> running_streams() const {
    return read([](const st& s) {
      std::vector<stream_info> out;
      for (const auto& r : s.running) out.push_back(stream_info{r.seq, r.spawned_at});
      return out;
    });
  }
  bool is_closed() const {
    return read([](const st& s) { return s.life != detail::lifecycle::open; });
  }
  /// The counters and histograms (metrics.hpp) and the gauges as of now.
  /// Throws usage_error unless options::collect_metrics was set.
  flushcoord::metrics metrics() const {
    if (!s_->obs.collects_metrics())
      throw usage_error("coordinator::metrics() needs options::collect_metrics = true");
    return read([](const st& s) {
      flushcoord::metrics m = s.obs.counters();
      m.flushes_in_flight = s.pending;
      m.permits_available = s.permits_available;
      return m;
    });
  }
  /// The engine, e.g. to read its own statistics. Not synchronized.
  E& engine() { return s_->engine_; }

 private:
  template <class F>
  auto read(F f) const {
    lock_guard lk(s_->m);
    return f(*s_);
  }

  std::optional<flush_error> refuse_if_closed() const {
    if (s_->life == detail::lifecycle::open) return std::nullopt;
    return flush_error::make(errc::shut_down, std::nullopt, "coordinator is shut down");
  }

  permit take_permit() {
    --s_->permits_available;
    s_->emit(event_kind::permit_acquired, no_seq, s_->permits_available);
    return permit(s_);
  }

  result<permit> acquire(std::optional<nanoseconds> timeout) {
    lock_guard lk(s_->m);
    // A timeout too long to represent gives no deadline, but the wait stays
    // a timed one: it never runs streams (runtime_policy.hpp, wait_or_help).
    const auto deadline =
        timeout ? detail::deadline_after(s_->rt->now(), *timeout) : std::nullopt;
    nanoseconds waited_since{0};  // once it waits (observe_now)
    for (bool woken = false;; woken = true) {
      const bool recheck = (!woken || !FLUSHCOORD_MUTANT(shutdown_keeps_permit_waiters)) &&
                           !(timeout && FLUSHCOORD_MUTANT(timed_acquire_ignores_close));
      FLUSHCOORD_MARK_IF(!woken && s_->life != detail::lifecycle::open, acquire_refused_closed);
      FLUSHCOORD_MARK_IF(woken && recheck && s_->life != detail::lifecycle::open,
                         acquire_waiter_woken_by_close);
      if (auto refused = refuse_if_closed(); refused && recheck) {
        if (woken) end_permit_wait(waited_since, false);
        return *refused;
      }
      if (s_->permits_available > 0) {
        permit p = take_permit();
        if (woken) end_permit_wait(waited_since, true);
        return p;
      }
      if (!woken) {
        s_->emit(event_kind::permit_wait_begun, no_seq, s_->permits_available);
        waited_since = s_->observe_now();
      }
      if (!timeout) {
        s_->permit_cv.wait_as_caller(*s_->rt, s_->m);
      } else if (!deadline) {
        s_->permit_cv.wait(s_->m);
      } else if (!s_->permit_cv.wait_until(s_->m, *deadline) && s_->permits_available == 0 &&
                 s_->life == detail::lifecycle::open) {
        FLUSHCOORD_MARK(permit_waiter_timed_out);
        end_permit_wait(waited_since, false);
        return flush_error::make(errc::permit_timeout, std::nullopt,
                                 "no permit within " + std::to_string(timeout->count()) + "ns");
      }
    }
  }

  /// A permit wait that began at `since` (observe_now) ended; `granted`:
  /// with a permit. Requires the lock.
  void end_permit_wait(nanoseconds since, bool granted) {
    s_->emit(event_kind::permit_wait_ended, no_seq, s_->permits_available, granted, s_->observed_since(since));
  }

  template <class Completion>
  static detail::unique_function<void()> complete_with(Completion& done, result<permit> r) {
    return [done = std::move(done), r = std::move(r)]() mutable { done(std::move(r)); };
  }

  template <class Completion>
  static void start_async_acquire(std::shared_ptr<st> s, Completion c, std::stop_token stop) {
    std::uint64_t id = 0;
    {
      lock_guard lk(s->m);
      auto now = [&](result<permit> r) { detail::post_completion(*s->rt, complete_with(c, std::move(r)), nullptr); };
      FLUSHCOORD_MARK_IF(s->life != detail::lifecycle::open, acquire_refused_closed);
      if (s->life != detail::lifecycle::open)
        return now(flush_error::make(errc::shut_down, std::nullopt, "coordinator is shut down"));
      if (detail::stop_requested(*s->rt, stop)) return now(detail::cancelled_error("async_acquire_permit"));
      if (s->permits_available > 0) {
        --s->permits_available;
        s->emit(event_kind::permit_acquired, no_seq, s->permits_available);
        return now(permit(s));
      }
      FLUSHCOORD_MARK(async_acquire_suspended);
      s->emit(event_kind::permit_wait_begun, no_seq, s->permits_available);
      // The state owns the waiter, so the waiter must not own the state.
      // The waiter is completed under the state's lock, so it may emit.
      id = s->permit_waiters.add([c = std::move(c), weak = std::weak_ptr<st>(s),
                                  since = s->observe_now()](std::optional<flush_error> refused) mutable {
        const std::shared_ptr<st> alive = weak.lock();  // it is completing us, unless destroyed
        if (alive)
          alive->emit(event_kind::permit_wait_ended, no_seq, alive->permits_available, !refused,
                      alive->observed_since(since));
        if (refused) return complete_with(c, std::move(*refused));
        return complete_with(c, permit(alive));
      });
    }
    struct cancel {
      std::weak_ptr<st> weak;
      std::uint64_t id;
      void operator()() const {
        // Copied before the first scheduling point (see ticket.hpp).
        const std::shared_ptr<st> s = weak.lock();
        const std::uint64_t waiter = id;
        if (!s || FLUSHCOORD_MUTANT(async_cancel_ignored)) return;
        lock_guard lk(s->m);
        if (s->permit_waiters.complete(*s->rt, waiter, detail::cancelled_error("async_acquire_permit")))
          FLUSHCOORD_MARK(async_wait_cancelled);
      }
    };
    auto hook = detail::listen_for_stop(std::move(stop), cancel{s, id});
    if (!hook) return;
    lock_guard lk(s->m);
    hook = s->permit_waiters.attach(id, std::move(hook));
    lk.unlock();  // a hook given back (the wait is over) is destroyed unlocked
  }

  /// Empties `rf` (it is consumed whatever happens next) and returns its
  /// parts. Throws usage_error for an empty or foreign rotated_flush.
  std::pair<std::shared_ptr<st>, std::shared_ptr<detail::flush_record<rotated_state>>>
  take_for_submit(rotated_flush& rf, const char* what) {
    if (!rf.s_)
      throw usage_error(std::string(what) +
                        ": rotated_flush is empty (already submitted, or moved from)");
    if (rf.s_ != s_) throw usage_error(std::string(what) + ": rotated_flush of another coordinator");
    return {std::move(rf.s_), std::move(rf.rec_)};
  }

  /// The slot of `seq` if it can still take a submission, else null (intake
  /// closed, or the flush was already resolved by shutdown).
  typename st::slot* accepting_slot(std::uint64_t seq) {
    if (s_->life != detail::lifecycle::open && !FLUSHCOORD_MUTANT(submit_after_shutdown_dropped))
      return nullptr;
    auto* slot = s_->find(seq);
    return slot != nullptr && slot->ph == st::phase::held ? slot : nullptr;
  }

  ticket_type refused_ticket(std::uint64_t seq) {
    s_->emit(event_kind::submit_refused, seq);
    if (FLUSHCOORD_MUTANT(submit_after_shutdown_dropped))
      return ticket_type(st::cell_ref::make(s_->sync));  // never resolved
    return ticket_type::ready(flush_error::make(errc::shut_down, seq,
                                                "submitted after the coordinator was shut down"));
  }

  ticket_type attach_ticket(typename st::slot& slot) {
    slot.ticket = st::cell_ref::make(s_->sync);
    return ticket_type(slot.ticket);
  }

  /// Drops the handles of finished stream tasks so the list stays as short
  /// as the streams actually running. Scanning on every spawn would cost a
  /// done() per handle per flush; scanning when the list has doubled since
  /// the last prune keeps the cost O(1) per spawn, amortized, and the list
  /// within twice the running streams (plus a small floor).
  void prune_finished_tasks() {
    auto& tasks = s_->stream_tasks;
    if (tasks.size() < s_->stream_tasks_prune_at) return;
    FLUSHCOORD_MARK(prune_finished_tasks_ran);
    std::erase_if(tasks, [](const typename R::task_handle& h) { return h.done(); });
    s_->stream_tasks_prune_at = std::max<std::size_t>(16, 2 * tasks.size());
  }

  std::shared_ptr<st> s_;
};

}  // namespace flushcoord

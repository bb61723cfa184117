// flushcoord/ticket.hpp — a handle on one flush's outcome.
//
// A ticket resolves exactly once: with the snapshot id that finalize
// returned, or with a flush_error saying why the flush did not publish.
// Dropping a ticket never cancels its flush.
//
//   state      how it got there                      wait() returns
//   ---------  ------------------------------------  ----------------------
//   invalid    default-constructed or moved-from     throws usage_error
//   pending    handed out by submit / spawn_stream   blocks until resolved
//   resolved   finalizer ran, or ticket::ready(...)  the outcome, at once
//
// Thread safety: a ticket may be copied; every copy sees the same outcome.
// Any thread (or task) may call any member concurrently.
#pragma once

#include <memory>
#include <optional>
#include <stop_token>
#include <utility>
#include <variant>

#include "flushcoord/coverage.hpp"
#include "flushcoord/detail/async_waiters.hpp"
#include "flushcoord/detail/counted_condvar.hpp"
#include "flushcoord/detail/deadline.hpp"
#include "flushcoord/error.hpp"
#include "flushcoord/options.hpp"
#include "flushcoord/result.hpp"
#include "flushcoord/runtime_policy.hpp"

namespace flushcoord {

namespace detail {

/// The lock and wake-up that every ticket of one coordinator shares with its
/// finalizer: the coordinator's own lock. Owned by the coordinator's shared
/// state and by every ticket cell (state.hpp says why it is separate).
template <runtime_policy R>
struct ticket_sync {
  R* rt = nullptr;
  typename R::mutex m = make_named<typename R::mutex>("coordinator.lock");
  counted_condvar<R> ticket_cv{"coordinator.ticket_ready"};
};

/// One flush's outcome. Written once, by whoever publishes the flush, under
/// ticket_sync::m. Shared by every copy of the ticket and by the
/// coordinator until it resolves it, through an intrusive count (cell_ref),
/// so the handle is one pointer. Kept small because a caller may hold many
/// tickets: 40 bytes for an 8-byte id on the prod runtime — the count, the
/// sync that keeps the coordinator's lock alive (not the whole state: the
/// state keeps cells, so that would be a cycle), the snapshot id inline
/// and an error (rare) out of line.
template <runtime_policy R, class Id>
class ticket_cell {
 public:
  /// `sync` null: a ticket resolved from the start, that never waits.
  explicit ticket_cell(std::shared_ptr<ticket_sync<R>> sync) : sync_(std::move(sync)) {}

  ticket_sync<R>* sync() const { return sync_.get(); }

  bool resolved() const { return v_.index() != 0; }

  /// Requires !resolved() and, for a cell with a sync, its lock held.
  /// Completes the async waiters (posted, so none runs here).
  void resolve(result<Id> r) {
    waiters_ptr waiting = std::move(std::get<0>(v_));
    if (r.ok())
      v_.template emplace<1>(std::move(r).value());
    else
      v_.template emplace<2>(std::make_unique<flush_error>(r.error()));
    if constexpr (async_runtime_policy<R>) {
      if (waiting && !waiting->empty()) {
        FLUSHCOORD_MARK(async_ticket_waiter_resolved);
        waiting->complete_all(*sync_->rt, [&] { return get(); });
      }
    }
  }

  /// Adds an async_wait waiter. Requires the sync's lock and !resolved().
  std::uint64_t add_waiter(typename waiter_queue<result<Id>>::make_completion make) {
    waiters_ptr& w = std::get<0>(v_);
    if (!w) w = std::make_unique<waiter_queue<result<Id>>>();
    return w->add(std::move(make));
  }

  /// As waiter_queue::attach; gives `hook` back once resolved.
  std::unique_ptr<stop_hook> attach_to_waiter(std::uint64_t id, std::unique_ptr<stop_hook> hook) {
    if (resolved() || !std::get<0>(v_)) return hook;
    return std::get<0>(v_)->attach(id, std::move(hook));
  }

  /// Completes waiter `id` with errc::cancelled if it still waits.
  bool cancel_waiter(R& rt, std::uint64_t id) {
    if (resolved() || !std::get<0>(v_)) return false;
    return std::get<0>(v_)->complete(rt, id, result<Id>(cancelled_error("ticket::async_wait")));
  }

  /// Requires resolved().
  result<Id> get() const {
    if (v_.index() == 1) return std::get<1>(v_);
    return *std::get<2>(v_);
  }

  std::optional<result<Id>> try_get() const {
    if (!resolved()) return std::nullopt;
    return get();
  }

 private:
  template <runtime_policy, class>
  friend class cell_ref;
  typename R::ref_count refs_;  // starts at 1: the cell_ref that made it
  std::shared_ptr<ticket_sync<R>> sync_;
  // Pending: the async_wait waiters, made on first use (most tickets are
  // never awaited asynchronously) and in the same word as the outcome, so
  // the cell stays 40 bytes. Resolved: the id, or the error out of line.
  using waiters_ptr = std::unique_ptr<waiter_queue<result<Id>>>;
  std::variant<waiters_ptr, Id, std::unique_ptr<flush_error>> v_;
};

/// An owning pointer to a ticket_cell, like std::shared_ptr without the
/// second word: the count lives in the cell. Copies may live on any
/// threads; the last one to go deletes the cell.
template <runtime_policy R, class Id>
class cell_ref {
 public:
  using cell = ticket_cell<R, Id>;

  cell_ref() = default;
  static cell_ref make(std::shared_ptr<ticket_sync<R>> sync) {
    return cell_ref(new cell(std::move(sync)));
  }

  cell_ref(const cell_ref& o) noexcept : p_(o.p_) {
    if (p_) p_->refs_.add();
  }
  cell_ref(cell_ref&& o) noexcept : p_(std::exchange(o.p_, nullptr)) {}
  cell_ref& operator=(cell_ref o) noexcept {
    std::swap(p_, o.p_);
    return *this;
  }
  ~cell_ref() { reset(); }

  void reset() noexcept {
    if (cell* p = std::exchange(p_, nullptr); p && p->refs_.release()) delete p;
  }

  cell* operator->() const noexcept { return p_; }
  explicit operator bool() const noexcept { return p_ != nullptr; }

  /// A non-owning pointer, for whoever must not keep the cell alive.
  cell* get() const noexcept { return p_; }
  /// An owning reference to `p` if it is still alive (its count has not
  /// reached zero), else an empty one: weak_ptr::lock for a bare pointer.
  /// `p`'s memory must still be there, which its owner guarantees by
  /// destroying whoever holds `p` before freeing it.
  static cell_ref upgrade(cell* p) noexcept { return p->refs_.try_add() ? cell_ref(p) : cell_ref(); }

 private:
  explicit cell_ref(cell* p) noexcept : p_(p) {}
  cell* p_ = nullptr;
};

}  // namespace detail

template <runtime_policy R, class Id>
class ticket {
 public:
  /// An invalid ticket; waiting on it throws usage_error.
  ticket() = default;

  /// A ticket resolved from the start (a flush finished inline, or refused).
  static ticket ready(result<Id> outcome) {
    ticket t(detail::cell_ref<R, Id>::make(nullptr));
    t.cell_->resolve(std::move(outcome));
    return t;
  }

  /// False for default-constructed and moved-from tickets.
  bool valid() const { return static_cast<bool>(cell_); }

  /// True once the outcome is known. Never blocks for long.
  bool is_ready() const { return try_get().has_value(); }

  /// The outcome if resolved, else empty. Throws usage_error if invalid.
  std::optional<result<Id>> try_get() const {
    require_valid("try_get");
    auto* sync = cell_->sync();
    if (!sync) return cell_->try_get();
    lock_guard lk(sync->m);
    if (FLUSHCOORD_MUTANT(poll_misses_failures) && cell_->resolved() && !cell_->get().ok()) return std::nullopt;
    return cell_->try_get();
  }

  /// Blocks until resolved, then returns the outcome. Throws usage_error if
  /// the ticket is invalid.
  result<Id> wait() const {
    require_valid("wait");
    auto* sync = cell_->sync();
    FLUSHCOORD_MARK_IF(!sync, ticket_wait_ready_made);
    if (!sync) return cell_->get();
    lock_guard lk(sync->m);
    FLUSHCOORD_MARK_IF(cell_->resolved(), ticket_wait_already_resolved);
    while (!cell_->resolved()) sync->ticket_cv.wait_as_caller(*sync->rt, sync->m);
    return cell_->get();
  }

  /// As wait(), but gives up after `timeout` (which must be > 0) with
  /// errc::ticket_timeout; the ticket stays valid and may be waited again.
  /// nanoseconds::max(), or any timeout whose deadline would overflow,
  /// means no deadline (as wait(), but never running a stream).
  result<Id> wait_for(nanoseconds timeout) const {
    require_valid("wait_for");
    require_positive(timeout, "ticket::wait_for timeout");
    auto* sync = cell_->sync();
    if (!sync) return cell_->get();
    lock_guard lk(sync->m);
    // Empty: a timeout too long to represent, which never expires.
    const std::optional<nanoseconds> deadline = detail::deadline_after(sync->rt->now(), timeout);
    while (!cell_->resolved()) {
      if (!deadline) {
        sync->ticket_cv.wait(sync->m);
        continue;
      }
      if (!sync->ticket_cv.wait_until(sync->m, *deadline) && !cell_->resolved()) {
        FLUSHCOORD_MARK(ticket_wait_for_timed_out);
        return flush_error::make(errc::ticket_timeout, std::nullopt,
                                 "not resolved within " + std::to_string(timeout.count()) + "ns");
      }
    }
    return cell_->get();
  }

  /// Completes `token` with the outcome once the ticket is resolved, without
  /// blocking a thread: the completion runs later on a task of the runtime
  /// (R::post; runtime_policy.hpp), never on the calling thread's stack and
  /// never under the coordinator's lock. A stop request on `stop` before it
  /// resolves completes it with errc::cancelled instead; the ticket stays
  /// valid. Only a ticket made by ticket::ready(), which has no runtime to
  /// post to, completes before async_wait returns (the prod runtime's
  /// async_initiate still defers that to the handler's executor).
  ///
  /// `token`: with the prod runtime any Boost.Asio completion token whose
  /// signature is void(result<Id>) (use_awaitable, use_future, a callback);
  /// with a policy without async_initiate (the simulator), a callable
  /// void(result<Id>). Throws usage_error if the ticket is invalid.
  template <class Token>
    requires async_runtime_policy<R>
  auto async_wait(Token&& token, std::stop_token stop = {}) const {
    require_valid("async_wait");
    return detail::initiate_async<R, result<Id>>(
        std::forward<Token>(token), [cell = cell_, stop = std::move(stop)](auto completion) mutable {
          start_async_wait(std::move(cell), std::move(completion), std::move(stop));
        });
  }

  // For the coordinator: a pending ticket on `cell`, which the coordinator
  // also keeps until it resolves it.
  explicit ticket(detail::cell_ref<R, Id> cell) noexcept : cell_(std::move(cell)) {}

 private:
  void require_valid(const char* what) const {
    if (!cell_)
      throw usage_error(std::string("ticket::") + what +
                        " on an invalid (default-constructed or moved-from) ticket");
  }

  using cell_ref = detail::cell_ref<R, Id>;

  template <class Completion>
  static void start_async_wait(cell_ref cell, Completion c, std::stop_token stop) {
    auto* sync = cell->sync();
    if (!sync) {  // ticket::ready: resolved from the start, and no runtime
      FLUSHCOORD_MARK(async_wait_on_resolved_ticket);
      c(cell->get());
      return;
    }
    auto complete_with = [](Completion& done, result<Id> r) -> detail::unique_function<void()> {
      return [done = std::move(done), r = std::move(r)]() mutable { done(std::move(r)); };
    };
    std::uint64_t id = 0;
    {
      lock_guard lk(sync->m);
      if (cell->resolved()) {
        FLUSHCOORD_MARK(async_wait_on_resolved_ticket);
        detail::post_completion(*sync->rt, complete_with(c, cell->get()), nullptr);
        return;
      }
      if (detail::stop_requested(*sync->rt, stop)) {
        FLUSHCOORD_MARK(async_wait_cancelled);
        detail::post_completion(*sync->rt, complete_with(c, detail::cancelled_error("ticket::async_wait")),
                                nullptr);
        return;
      }
      id = cell->add_waiter([c = std::move(c), complete_with](result<Id> r) mutable {
        return complete_with(c, std::move(r));
      });
    }
    attach_canceller(cell, id, std::move(stop));
  }

  /// Listens on `stop` for waiter `id` of `cell`. The callback copies what
  /// it needs before its first scheduling point (the lock): in the
  /// simulator the waiter may complete and destroy the callback meanwhile.
  static void attach_canceller(const cell_ref& cell, std::uint64_t id, std::stop_token stop) {
    // The callback points at the cell without owning it. The cell owns the
    // callback (through its waiter), so an owning reference would be a
    // cycle: a cell that is never resolved (its coordinator dropped it, or
    // a simulated run was abandoned) would never be freed. The cell
    // destroys the callback before its memory goes, and std::stop_callback's
    // destructor waits for a callback running on another thread, so the
    // upgrade below always reads live memory; it fails once the cell's
    // count reached zero, and then there is no wait left to cancel.
    struct cancel {
      typename cell_ref::cell* target;
      std::uint64_t id;
      void operator()() const {
        const cell_ref c = cell_ref::upgrade(target);
        if (!c) return;
        const std::uint64_t waiter = id;
        auto* sync = c->sync();
        if (FLUSHCOORD_MUTANT(async_cancel_ignored)) return;
        lock_guard lk(sync->m);
        if (c->cancel_waiter(*sync->rt, waiter)) FLUSHCOORD_MARK(async_wait_cancelled);
      }
    };
    auto hook = detail::listen_for_stop(std::move(stop), cancel{cell.get(), id});
    if (!hook) return;
    auto* sync = cell->sync();
    lock_guard lk(sync->m);
    hook = cell->attach_to_waiter(id, std::move(hook));
    lk.unlock();  // a hook given back (the wait is over) is destroyed unlocked
  }

  detail::cell_ref<R, Id> cell_;
};

}  // namespace flushcoord

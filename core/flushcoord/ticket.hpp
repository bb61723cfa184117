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
#include <utility>
#include <variant>

#include "flushcoord/detail/counted_condvar.hpp"
#include "flushcoord/error.hpp"
#include "flushcoord/options.hpp"
#include "flushcoord/result.hpp"
#include "flushcoord/runtime_policy.hpp"

namespace flushcoord {

namespace detail {

/// The lock and wake-up that every ticket of one coordinator shares with its
/// finalizer. Lives inside the coordinator's shared state.
template <runtime_policy R>
struct ticket_sync {
  R* rt = nullptr;
  typename R::mutex m;
  counted_condvar<R> ticket_cv;
};

/// One flush's outcome. Written once, by the finalizer, under ticket_sync::m.
/// Kept small because a caller may hold many resolved tickets: the snapshot
/// id inline, an error (rare) out of line — 16 bytes for an 8-byte id,
/// where std::optional<result<Id>> would take 72.
template <class Id>
class ticket_cell {
 public:
  bool resolved() const { return v_.index() != 0; }

  /// Requires !resolved().
  void resolve(result<Id> r) {
    if (r.ok())
      v_.template emplace<1>(std::move(r).value());
    else
      v_.template emplace<2>(std::make_unique<flush_error>(r.error()));
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
  std::variant<std::monostate, Id, std::unique_ptr<flush_error>> v_;
};

}  // namespace detail

template <runtime_policy R, class Id>
class ticket {
 public:
  /// An invalid ticket; waiting on it throws usage_error.
  ticket() = default;

  /// A ticket resolved from the start (a flush finished inline, or refused).
  static ticket ready(result<Id> outcome) {
    ticket t;
    t.cell_ = std::make_shared<detail::ticket_cell<Id>>();
    t.cell_->resolve(std::move(outcome));
    return t;
  }

  /// False for default-constructed and moved-from tickets.
  bool valid() const { return cell_ != nullptr; }

  /// True once the outcome is known. Never blocks for long.
  bool is_ready() const { return try_get().has_value(); }

  /// The outcome if resolved, else empty. Throws usage_error if invalid.
  std::optional<result<Id>> try_get() const {
    require_valid("try_get");
    if (!sync_) return cell_->try_get();
    lock_guard lk(sync_->m);
    return cell_->try_get();
  }

  /// Blocks until resolved, then returns the outcome. Throws usage_error if
  /// the ticket is invalid.
  result<Id> wait() const {
    require_valid("wait");
    if (!sync_) return cell_->get();
    lock_guard lk(sync_->m);
    while (!cell_->resolved()) sync_->ticket_cv.wait_as_caller(*sync_->rt, sync_->m);
    return cell_->get();
  }

  /// As wait(), but gives up after `timeout` (which must be > 0) with
  /// errc::ticket_timeout; the ticket stays valid and may be waited again.
  result<Id> wait_for(nanoseconds timeout) const {
    require_valid("wait_for");
    require_positive(timeout, "ticket::wait_for timeout");
    if (!sync_) return cell_->get();
    lock_guard lk(sync_->m);
    const nanoseconds deadline = sync_->rt->now() + timeout;
    while (!cell_->resolved()) {
      if (!sync_->ticket_cv.wait_until(sync_->m, deadline) && !cell_->resolved())
        return flush_error::make(errc::ticket_timeout, std::nullopt,
                                 "not resolved within " + std::to_string(timeout.count()) + "ns");
    }
    return cell_->get();
  }

  // For the coordinator: a pending ticket on `cell`, woken through `sync`.
  ticket(std::shared_ptr<detail::ticket_sync<R>> sync,
         std::shared_ptr<detail::ticket_cell<Id>> cell)
      : sync_(std::move(sync)), cell_(std::move(cell)) {}

 private:
  void require_valid(const char* what) const {
    if (!cell_)
      throw usage_error(std::string("ticket::") + what +
                        " on an invalid (default-constructed or moved-from) ticket");
  }

  std::shared_ptr<detail::ticket_sync<R>> sync_;  // null for ready() tickets
  std::shared_ptr<detail::ticket_cell<Id>> cell_;
};

}  // namespace flushcoord

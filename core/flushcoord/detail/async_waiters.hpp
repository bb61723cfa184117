// flushcoord/detail/async_waiters.hpp — callers suspended, not blocked.
//
// An async wait (coordinator::async_acquire_permit, ticket::async_wait)
// parks a completion here instead of a thread in a condition variable.
// Whoever ends the wait (a permit coming back, the ticket resolving, close,
// a stop request) takes the waiter out under the coordinator's lock and
// hands its completion to the runtime's post() (runtime_policy.hpp), still
// under the lock: post neither runs nor destroys it before it returns, so
// the completion — user code — runs later on a task of the runtime, never
// under the lock and never on the thread that ended the wait.
//
// Cancellation is a std::stop_token, the standard's own: a stop request
// removes the waiter (if it is still waiting) and completes it with
// errc::cancelled. The std::stop_callback that listens lives in the waiter
// and leaves with its completion, to be destroyed on the runtime's task:
// destroying it waits for a callback running on another thread, and that
// callback takes the coordinator's lock, so it must never be destroyed
// with the lock held.
#pragma once

#include <cstdint>
#include <deque>
#include <memory>
#include <stop_token>
#include <utility>

#include "flushcoord/detail/unique_function.hpp"
#include "flushcoord/error.hpp"
#include "flushcoord/runtime_policy.hpp"

namespace flushcoord::detail {

/// What a waiter's stop callback keeps alive, type-erased.
struct stop_hook {
  virtual ~stop_hook() = default;
};

template <class F>
struct stop_hook_for final : stop_hook {
  stop_hook_for(std::stop_token t, F f) : cb(std::move(t), std::move(f)) {}
  std::stop_callback<F> cb;
};

/// Registers `on_stop` on `t`; empty if t can never be stopped. May run
/// on_stop before it returns (if stop was already requested), so the
/// caller must not hold the coordinator's lock.
template <class F>
std::unique_ptr<stop_hook> listen_for_stop(std::stop_token t, F on_stop) {
  if (!t.stop_possible()) return nullptr;
  return std::make_unique<stop_hook_for<F>>(std::move(t), std::move(on_stop));
}

/// Posts `done` on rt, carrying `hook` along to be destroyed after it
/// (see above). Called under the coordinator's lock. An exception from
/// post (allocation failure) cannot be handled here: the completion would
/// be destroyed under the lock, and a permit inside it takes the lock to
/// go back. So that ends the process, as an allocation failure in a
/// destructor would.
template <class R>
void post_completion(R& rt, unique_function<void()> done, std::unique_ptr<stop_hook> hook) noexcept {
  rt.post([done = std::move(done), hook = std::move(hook)]() mutable {
    done();
    hook.reset();
  });
}

/// A FIFO of waiters, each with an id (for cancellation) and a completion
/// maker: called under the lock with the wait's outcome, it returns the
/// closure to post. Requires the coordinator's lock for every member.
template <class Outcome>
class waiter_queue {
 public:
  using make_completion = unique_function<unique_function<void()>(Outcome)>;

  bool empty() const noexcept { return waiters_.empty(); }
  std::size_t size() const noexcept { return waiters_.size(); }

  std::uint64_t add(make_completion make) {
    const std::uint64_t id = next_id_++;
    waiters_.push_back(waiter{id, std::move(make), nullptr});
    return id;
  }

  /// Attaches `hook` to waiter `id`; gives it back if `id` is no longer
  /// waiting (the caller destroys it once the lock is released).
  std::unique_ptr<stop_hook> attach(std::uint64_t id, std::unique_ptr<stop_hook> hook) {
    for (auto& w : waiters_)
      if (w.id == id) {
        w.hook = std::move(hook);
        return nullptr;
      }
    return hook;
  }

  /// Completes the oldest waiter with `outcome`. Requires !empty().
  template <class R>
  void complete_front(R& rt, Outcome outcome) {
    waiter w = std::move(waiters_.front());
    waiters_.pop_front();
    post_completion(rt, w.make(std::move(outcome)), std::move(w.hook));
  }

  /// Completes waiter `id` with `outcome` if it is still waiting.
  template <class R>
  bool complete(R& rt, std::uint64_t id, Outcome outcome) {
    for (auto it = waiters_.begin(); it != waiters_.end(); ++it) {
      if (it->id != id) continue;
      waiter w = std::move(*it);
      waiters_.erase(it);
      post_completion(rt, w.make(std::move(outcome)), std::move(w.hook));
      return true;
    }
    return false;
  }

  /// Completes every waiter, oldest first, each with outcome() (called
  /// once per waiter).
  template <class R, class MakeOutcome>
  void complete_all(R& rt, MakeOutcome outcome) {
    while (!waiters_.empty()) complete_front(rt, outcome());
  }

 private:
  struct waiter {
    std::uint64_t id;
    make_completion make;
    std::unique_ptr<stop_hook> hook;
  };
  std::deque<waiter> waiters_;
  std::uint64_t next_id_ = 0;
};

inline flush_error cancelled_error(const char* what) {
  return flush_error::make(errc::cancelled, std::nullopt, std::string(what) + " cancelled by its stop_token");
}

}  // namespace flushcoord::detail

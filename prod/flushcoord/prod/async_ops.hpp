// flushcoord/prod/async_ops.hpp — an async operation's handler, kept so that
// its io_context may go first.
//
// While an async_acquire_permit or ticket::async_wait is suspended, core
// owns its completion, and the completion owns the Asio handler and a work
// guard on the handler's executor. If the user stops and destroys that
// io_context first (a normal way to end a program), the handler would be
// destroyed later, and posted to a context that no longer exists: a
// use-after-free in both cases. Asio's own I/O objects avoid that with a
// service per execution context, whose shutdown() destroys every handler
// still pending before the context goes. This is the same for our
// operations:
//
//   pending_handler<Handler, T>   the handler and its work guard, shared by
//                                 the completion (core) and the registry;
//   op_registry                   the execution_context service that
//                                 abandons them all in shutdown().
//
// Either the completion posts the handler (and only while the context is
// alive), or the context's shutdown destroys it unrun; a mutex per
// operation decides which, exactly once.
#pragma once

#include <memory>
#include <mutex>
#include <optional>
#include <utility>
#include <vector>

#include <boost/asio/associated_executor.hpp>
#include <boost/asio/execution_context.hpp>
#include <boost/asio/executor_work_guard.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/query.hpp>

namespace flushcoord::prod::detail {

/// What the registry can do to a pending operation: destroy its handler
/// without running it.
class abandonable {
 public:
  virtual ~abandonable() = default;
  virtual void abandon() noexcept = 0;
};

/// One per execution context that has flushcoord operations pending.
class op_registry final : public boost::asio::execution_context::service {
 public:
  using key_type = op_registry;
  static inline boost::asio::execution_context::id id;

  explicit op_registry(boost::asio::execution_context& ctx) : service(ctx) {}

  /// Records `op`; false if the context is already shutting down (the
  /// caller then abandons it itself).
  bool add(const std::shared_ptr<abandonable>& op) {
    std::lock_guard<std::mutex> hold(m_);
    if (shut_down_) return false;
    // Drop the entries of operations that completed, so the list stays as
    // long as what is pending (amortized: only once it has doubled).
    if (ops_.size() >= prune_at_) {
      std::erase_if(ops_, [](const std::weak_ptr<abandonable>& w) { return w.expired(); });
      prune_at_ = 2 * ops_.size() + 16;
    }
    ops_.push_back(op);
    return true;
  }

 private:
  /// The context is going: destroy every handler still pending, while it
  /// still exists (their work guards refer to it).
  void shutdown() override {
    std::vector<std::weak_ptr<abandonable>> ops;
    {
      std::lock_guard<std::mutex> hold(m_);
      shut_down_ = true;
      ops.swap(ops_);
    }
    for (auto& w : ops)
      if (auto op = w.lock()) op->abandon();
  }

  std::mutex m_;
  bool shut_down_ = false;
  std::vector<std::weak_ptr<abandonable>> ops_;
  std::size_t prune_at_ = 16;
};

/// A handler waiting for its operation's outcome (a T).
template <class Handler, class T>
class pending_handler final : public abandonable {
 public:
  using executor = boost::asio::associated_executor_t<Handler>;

  explicit pending_handler(Handler h)
      : work_(boost::asio::make_work_guard(boost::asio::get_associated_executor(h))), handler_(std::move(h)) {}

  /// Makes one, registered with the handler's execution context.
  static std::shared_ptr<pending_handler> make(Handler h) {
    auto op = std::make_shared<pending_handler>(std::move(h));
    const auto ex = op->work_->get_executor();
    // An executor without a context to destroy (use_future's promise
    // executor, which lives in the handler itself) needs no registry.
    if constexpr (requires { boost::asio::query(ex, boost::asio::execution::context); }) {
      register_with(boost::asio::query(ex, boost::asio::execution::context), op);
    } else if constexpr (requires { ex.context(); }) {
      register_with(ex.context(), op);
    }
    return op;
  }

  static void register_with(boost::asio::execution_context& ctx, const std::shared_ptr<pending_handler>& op) {
    if (!boost::asio::use_service<op_registry>(ctx).add(op)) op->abandon();
  }

  /// Posts the handler with `outcome` to its executor, unless the context
  /// abandoned it first. Never runs it inline.
  void complete(T outcome) {
    std::lock_guard<std::mutex> hold(m_);
    if (!handler_) return;  // the context is gone; `outcome` is dropped here
    boost::asio::post(work_->get_executor(),
                      [h = std::move(*handler_), outcome = std::move(outcome)]() mutable {
                        std::move(h)(std::move(outcome));
                      });
    handler_.reset();
    work_.reset();
  }

  void abandon() noexcept override {
    std::lock_guard<std::mutex> hold(m_);
    handler_.reset();
    work_.reset();
  }

 private:
  std::mutex m_;
  std::optional<boost::asio::executor_work_guard<executor>> work_;
  std::optional<Handler> handler_;
};

}  // namespace flushcoord::prod::detail

// flushcoord/detail/unique_function.hpp — a move-only type-erased callable.
//
// std::function needs a copyable target, and an async completion (an Asio
// handler, a lambda owning a permit) is move-only; std::move_only_function
// is C++23. This is the small subset core needs: construct from any
// move-constructible callable, move, call once or many times, test for
// emptiness. One heap allocation per target; no small-buffer trick, since
// a completion is made once per async wait, not per step.
#pragma once

#include <functional>
#include <memory>
#include <type_traits>
#include <utility>

namespace flushcoord::detail {

template <class Signature>
class unique_function;

template <class Ret, class... Args>
class unique_function<Ret(Args...)> {
 public:
  unique_function() = default;

  template <class F>
    requires(!std::is_same_v<std::decay_t<F>, unique_function> &&
             std::is_invocable_r_v<Ret, std::decay_t<F>&, Args...> &&
             std::is_constructible_v<std::decay_t<F>, F>)
  unique_function(F&& f)  // NOLINT(google-explicit-constructor): a callable converts
      : target_(std::make_unique<holder<std::decay_t<F>>>(std::forward<F>(f))) {}

  unique_function(unique_function&&) noexcept = default;
  unique_function& operator=(unique_function&&) noexcept = default;

  explicit operator bool() const noexcept { return target_ != nullptr; }

  /// Requires a target.
  Ret operator()(Args... args) { return target_->call(std::forward<Args>(args)...); }

 private:
  struct base {
    virtual ~base() = default;
    virtual Ret call(Args... args) = 0;
  };
  template <class F>
  struct holder final : base {
    template <class G>
    explicit holder(G&& g) : f(std::forward<G>(g)) {}
    Ret call(Args... args) override { return std::invoke(f, std::forward<Args>(args)...); }
    F f;
  };
  std::unique_ptr<base> target_;
};

}  // namespace flushcoord::detail

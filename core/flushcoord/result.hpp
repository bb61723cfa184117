// flushcoord/result.hpp — a value or a flush_error (std::expected is C++23).
#pragma once

#include <optional>
#include <utility>
#include <variant>

#include "flushcoord/error.hpp"

namespace flushcoord {

/// Either a T or a flush_error. Accessing the wrong alternative throws
/// usage_error: a bug in the caller, reported rather than undefined.
template <class T>
class [[nodiscard]] result {
 public:
  result(T value) : v_(std::in_place_index<0>, std::move(value)) {}
  result(flush_error error) : v_(std::in_place_index<1>, std::move(error)) {}

  bool ok() const { return v_.index() == 0; }
  explicit operator bool() const { return ok(); }

  T& value() & { return checked_value(); }
  const T& value() const& { return const_cast<result*>(this)->checked_value(); }
  T&& value() && { return std::move(checked_value()); }

  const flush_error& error() const {
    if (ok()) throw usage_error("result::error() called on a success");
    return std::get<1>(v_);
  }

 private:
  T& checked_value() {
    if (!ok()) throw usage_error("result::value() called on an error: " + std::get<1>(v_).message);
    return std::get<0>(v_);
  }
  std::variant<T, flush_error> v_;
};

/// Success with no value, or a flush_error.
template <>
class [[nodiscard]] result<void> {
 public:
  result() = default;
  result(flush_error error) : error_(std::move(error)) {}

  bool ok() const { return !error_.has_value(); }
  explicit operator bool() const { return ok(); }
  const flush_error& error() const {
    if (ok()) throw usage_error("result::error() called on a success");
    return *error_;
  }

 private:
  std::optional<flush_error> error_;
};

}  // namespace flushcoord

// sim/flushsim/progress.hpp — the campaign's progress line on a terminal.
#pragma once

#include <chrono>
#include <cstdint>

namespace flushsim {

/// Rewrites one stderr line ("\r...") with the campaign's progress, at most
/// every `interval`, and only when enabled (stderr is a terminal: a log file
/// or CI output gets the summary alone).
class progress_line {
 public:
  static constexpr std::chrono::milliseconds interval{200};

  explicit progress_line(bool enabled) : enabled_(enabled) {}
  /// True if stderr is a terminal.
  static bool stderr_is_tty() noexcept;

  void update(std::uint64_t done, std::uint64_t planned, std::uint64_t failures, double elapsed_s);
  /// Erases the line so the summary starts on a clean one.
  void finish();

 private:
  bool enabled_;
  bool drawn_ = false;
};

}  // namespace flushsim

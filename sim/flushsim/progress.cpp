// sim/flushsim/progress.cpp
#include "progress.hpp"

#include <unistd.h>

#include <cstdio>

#include <fmt/format.h>

namespace flushsim {

bool progress_line::stderr_is_tty() noexcept { return ::isatty(STDERR_FILENO) == 1; }

void progress_line::update(std::uint64_t done, std::uint64_t planned, std::uint64_t failures, double elapsed_s) {
  if (!enabled_) return;
  const double rate = elapsed_s > 0 ? static_cast<double>(done) / elapsed_s : 0.0;
  fmt::print(stderr, "\r\x1b[K{} / {} seeds, {} failures, {:.0f} seeds/s, {:.1f}s", done, planned, failures, rate,
             elapsed_s);
  std::fflush(stderr);
  drawn_ = true;
}

void progress_line::finish() {
  if (!drawn_) return;
  fmt::print(stderr, "\r\x1b[K");
  std::fflush(stderr);
  drawn_ = false;
}

}  // namespace flushsim

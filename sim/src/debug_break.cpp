// sim/src/debug_break.cpp — see debug_break.hpp.
#include "flushcoord/sim/debug_break.hpp"

#include <csignal>
#include <fstream>
#include <string>

namespace flushcoord::sim {

bool debugger_attached() noexcept {
  try {
    std::ifstream status("/proc/self/status");
    std::string line;
    while (std::getline(status, line))
      if (line.rfind("TracerPid:", 0) == 0) return line.find_first_of("123456789") != std::string::npos;
  } catch (...) {
  }
  return false;
}

}  // namespace flushcoord::sim

extern "C" __attribute__((noinline)) void flushcoord_sim_break(const flushcoord::sim::break_point* where) {
  // Keeps the call (and `where`) from being optimized away.
  asm volatile("" : : "r"(where) : "memory");
  if (flushcoord::sim::debugger_attached()) std::raise(SIGTRAP);
  // Code after the raise keeps it from being a tail call, so this frame
  // stays on the stack the debugger shows.
  asm volatile("" ::: "memory");
}

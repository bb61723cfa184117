// bench/common.hpp — what both benchmarks share: option parsing in the
// "--name value" style, process resource usage, and a counting allocator
// hook for measuring bytes per ticket.
#pragma once

#include <sys/resource.h>

#include <charconv>
#include <chrono>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <map>
#include <string>
#include <string_view>

namespace bench {

/// Exit code for bad command-line options.
inline constexpr int exit_usage = 2;

/// "--name value" pairs with unsigned integer values, each name from a fixed
/// list. Anything else prints a one-line error and exits with exit_usage.
class options {
 public:
  options(const char* program, std::map<std::string, std::uint64_t> defaults)
      : program_(program), values_(std::move(defaults)) {}

  void parse(int argc, char** argv) {
    for (int i = 1; i < argc; ++i) {
      const std::string_view arg = argv[i];
      if (arg == "--help" || arg == "-h") usage_and_exit(0);
      if (arg.substr(0, 2) != "--" || !values_.contains(std::string(arg.substr(2))))
        fail("unknown option '" + std::string(arg) + "'");
      if (i + 1 >= argc) fail("option '" + std::string(arg) + "' needs a value");
      const std::string_view text = argv[++i];
      std::uint64_t v = 0;
      const auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), v);
      if (ec != std::errc{} || end != text.data() + text.size())
        fail("option '" + std::string(arg) + "' needs a non-negative integer, got '" +
             std::string(text) + "'");
      values_[std::string(arg.substr(2))] = v;
    }
  }

  std::uint64_t operator[](const std::string& name) const { return values_.at(name); }

  [[noreturn]] void fail(const std::string& why) const {
    std::fprintf(stderr, "%s: %s\n", program_, why.c_str());
    usage_and_exit(exit_usage);
  }

 private:
  [[noreturn]] void usage_and_exit(int code) const {
    std::string line = std::string("usage: ") + program_;
    for (const auto& [name, def] : values_) line += " [--" + name + " N(" + std::to_string(def) + ")]";
    std::fprintf(code == 0 ? stdout : stderr, "%s\n", line.c_str());
    std::exit(code);
  }

  const char* program_;
  std::map<std::string, std::uint64_t> values_;
};

/// User plus system CPU time of the whole process, in seconds.
inline double cpu_seconds() {
  rusage u{};
  getrusage(RUSAGE_SELF, &u);
  auto secs = [](const timeval& t) { return double(t.tv_sec) + double(t.tv_usec) / 1e6; };
  return secs(u.ru_utime) + secs(u.ru_stime);
}

/// Peak resident set size of the process, in KiB.
inline long peak_rss_kib() {
  rusage u{};
  getrusage(RUSAGE_SELF, &u);
  return u.ru_maxrss;
}

/// Voluntary and involuntary context switches of the process so far.
inline long context_switches() {
  rusage u{};
  getrusage(RUSAGE_SELF, &u);
  return u.ru_nvcsw + u.ru_nivcsw;
}

/// Threads of this process right now (the "Threads:" line of /proc).
inline int thread_count() {
  std::ifstream status("/proc/self/status");
  for (std::string line; std::getline(status, line);)
    if (line.rfind("Threads:", 0) == 0) return std::atoi(line.c_str() + 8);
  return -1;
}

/// Seconds since `start` on the steady clock.
inline double seconds_since(std::chrono::steady_clock::time_point start) {
  return std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
}

/// Marsaglia's xorshift64 (13, 7, 17). Never seeded with 0.
struct xorshift64 {
  std::uint64_t s;
  explicit xorshift64(std::uint64_t seed) : s(seed == 0 ? 0x9E3779B97F4A7C15ull : seed) {}
  std::uint64_t next() {
    s ^= s << 13;
    s ^= s >> 7;
    s ^= s << 17;
    return s;
  }
};

}  // namespace bench

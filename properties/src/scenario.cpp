#include "flushcoord/properties/scenario.hpp"

#include <array>
#include <sstream>
#include <stdexcept>

#include "flushcoord/sim/rng.hpp"

namespace flushcoord::properties {

namespace {

constexpr std::array<const char*, static_cast<std::size_t>(fault::count_)> fault_names = {
    "none",           "stream_error",   "stream_throw", "stream_stall",  "stream_hang",
    "finalize_error", "finalize_throw", "rotate_error", "abandon",       "inline_submit",
};

constexpr std::int64_t us = 1000;
constexpr std::int64_t ms = 1000 * us;

/// Per-seed fault mix. With swarm on, each fault kind is enabled with
/// probability 1/2 and, if enabled, gets a rate of 1..4 in 16.
struct fault_mix {
  std::array<std::uint64_t, static_cast<std::size_t>(fault::count_)> rate_in_16{};
};

fault_mix draw_mix(sim::rng& r, bool swarm) {
  fault_mix mix;
  for (std::size_t f = 1; f < mix.rate_in_16.size(); ++f) {
    const bool enabled = !swarm || r.chance(1, 2);
    mix.rate_in_16[f] = enabled ? 1 + r.below(4) : 0;
  }
  return mix;
}

fault draw_fault(sim::rng& r, const fault_mix& mix) {
  for (std::size_t f = 1; f < mix.rate_in_16.size(); ++f)
    if (mix.rate_in_16[f] != 0 && r.chance(mix.rate_in_16[f], 16 * 4)) return static_cast<fault>(f);
  return fault::none;
}

std::int64_t to_int(const std::string& word, const std::string& line) {
  try {
    std::size_t used = 0;
    const long long v = std::stoll(word, &used);
    if (used != word.size()) throw std::invalid_argument("trailing characters");
    return v;
  } catch (const std::exception&) {
    throw std::invalid_argument("scenario: bad number '" + word + "' in line: " + line);
  }
}

}  // namespace

const char* to_string(fault f) {
  const auto i = static_cast<std::size_t>(f);
  return i < fault_names.size() ? fault_names[i] : "?";
}

std::optional<fault> fault_from_string(const std::string& s) {
  for (std::size_t i = 0; i < fault_names.size(); ++i)
    if (s == fault_names[i]) return static_cast<fault>(i);
  return std::nullopt;
}

scenario generate(std::uint64_t seed, const generator_options& opts) {
  sim::rng r(sim::derive_seed(seed, sim::stream_workload));
  const fault_mix mix = draw_mix(r, opts.swarm);
  scenario s;
  s.max_pending = 1 + r.below(opts.max_pending_max);
  if (r.chance(3, 4)) s.stream_timeout_ns = (1 + r.below(8)) * ms;
  s.writer_gap_ns = r.chance(1, 2) ? 0 : static_cast<std::int64_t>(r.below(500)) * us;
  const std::size_t n = 1 + r.below(opts.flushes_max);
  for (std::size_t i = 0; i < n; ++i) {
    flush_plan p;
    p.stream_ns = static_cast<std::int64_t>(r.below(3 * ms));
    p.what = draw_fault(r, mix);
    if ((p.what == fault::stream_stall || p.what == fault::stream_hang) && !s.stream_timeout_ns)
      p.what = fault::stream_error;  // a stall needs a timeout to end it
    p.drop_ticket = r.chance(1, 4);
    p.commit_path = r.chance(1, 3);
    s.flushes.push_back(p);
  }
  const std::int64_t horizon = static_cast<std::int64_t>(n) * 2 * ms;
  for (std::uint64_t d = r.below(3); d > 0; --d)
    s.drains.push_back({static_cast<std::int64_t>(r.below(horizon)),
                        static_cast<std::int64_t>(1 + r.below(10)) * ms});
  for (std::uint64_t k = r.below(4); k > 0; --k)
    s.shutdowns.push_back({static_cast<std::int64_t>(r.below(horizon + horizon / 2)), 0});
  if (opts.allow_runtime_stop && r.chance(1, 8))
    s.runtime_stop_at_ns = static_cast<std::int64_t>(r.below(horizon));
  s.close_early = r.chance(1, 8);
  // Drawn last, so every field above is what it was before liveness joined
  // the campaign. The bound is loose on purpose: the slowest thing left once
  // the writer is done is a hung stream (3 x an 8 ms timeout + 3 ms), which
  // shutdown waits for. Liveness here catches wedges that timers would hide
  // from the deadlock detector until the time budget, not slowness.
  if (r.chance(1, 4)) s.liveness_bound_ns = 60 * ms;
  return s;
}

std::string to_text(const scenario& s) {
  std::ostringstream out;
  out << "max_pending " << s.max_pending << '\n';
  out << "stream_timeout_ns " << (s.stream_timeout_ns ? *s.stream_timeout_ns : 0) << '\n';
  out << "writer_gap_ns " << s.writer_gap_ns << '\n';
  out << "liveness_bound_ns " << s.liveness_bound_ns << '\n';
  if (s.runtime_stop_at_ns) out << "runtime_stop_at_ns " << *s.runtime_stop_at_ns << '\n';
  if (s.close_early) out << "close_early 1\n";
  for (const auto& f : s.flushes)
    out << "flush " << f.stream_ns << ' ' << to_string(f.what) << ' ' << (f.drop_ticket ? 1 : 0)
        << ' ' << (f.commit_path ? 1 : 0) << '\n';
  for (const auto& d : s.drains) out << "drain " << d.at_ns << ' ' << d.timeout_ns << '\n';
  for (const auto& c : s.shutdowns) out << "shutdown " << c.at_ns << '\n';
  return out.str();
}

scenario parse_scenario(const std::string& text) {
  scenario s;
  bool saw_max_pending = false;
  std::istringstream in(text);
  std::string line;
  while (std::getline(in, line)) {
    if (line.empty() || line[0] == '#') continue;
    std::istringstream words(line);
    std::string key;
    words >> key;
    std::vector<std::string> args;
    for (std::string w; words >> w;) args.push_back(w);
    auto need = [&](std::size_t count) {
      if (args.size() != count)
        throw std::invalid_argument("scenario: '" + key + "' takes " + std::to_string(count) +
                                    " values, got " + std::to_string(args.size()) + ": " + line);
    };
    if (key == "max_pending") {
      need(1);
      const auto v = to_int(args[0], line);
      if (v < 1 || v > 1024) throw std::invalid_argument("scenario: max_pending out of [1,1024]: " + line);
      s.max_pending = static_cast<std::size_t>(v);
      saw_max_pending = true;
    } else if (key == "stream_timeout_ns") {
      need(1);
      const auto v = to_int(args[0], line);
      if (v < 0) throw std::invalid_argument("scenario: negative stream_timeout_ns: " + line);
      if (v > 0) s.stream_timeout_ns = v;
    } else if (key == "writer_gap_ns") {
      need(1);
      s.writer_gap_ns = to_int(args[0], line);
    } else if (key == "liveness_bound_ns") {
      need(1);
      s.liveness_bound_ns = to_int(args[0], line);
    } else if (key == "runtime_stop_at_ns") {
      need(1);
      s.runtime_stop_at_ns = to_int(args[0], line);
    } else if (key == "close_early") {
      need(1);
      s.close_early = to_int(args[0], line) != 0;
    } else if (key == "flush") {
      need(4);
      auto what = fault_from_string(args[1]);
      if (!what) throw std::invalid_argument("scenario: unknown fault '" + args[1] + "': " + line);
      s.flushes.push_back({to_int(args[0], line), *what, args[2] == "1", args[3] == "1"});
    } else if (key == "drain") {
      need(2);
      const auto timeout = to_int(args[1], line);
      if (timeout <= 0) throw std::invalid_argument("scenario: drain timeout must be > 0: " + line);
      s.drains.push_back({to_int(args[0], line), timeout});
    } else if (key == "shutdown") {
      need(1);
      s.shutdowns.push_back({to_int(args[0], line), 0});
    } else {
      throw std::invalid_argument("scenario: unknown key '" + key + "' in line: " + line);
    }
  }
  if (!saw_max_pending) throw std::invalid_argument("scenario: missing 'max_pending' line");
  if (s.flushes.size() > 100000) throw std::invalid_argument("scenario: more than 100000 flushes");
  return s;
}

std::string summary(const scenario& s) {
  std::array<int, static_cast<std::size_t>(fault::count_)> counts{};
  for (const auto& f : s.flushes) ++counts[static_cast<std::size_t>(f.what)];
  std::ostringstream out;
  out << "flushes=" << s.flushes.size() << " max_pending=" << s.max_pending << " timeout_ns="
      << (s.stream_timeout_ns ? *s.stream_timeout_ns : 0) << " drains=" << s.drains.size()
      << " shutdowns=" << s.shutdowns.size();
  if (s.runtime_stop_at_ns) out << " runtime_stop_at_ns=" << *s.runtime_stop_at_ns;
  if (s.close_early) out << " close_early";
  for (std::size_t i = 1; i < counts.size(); ++i)
    if (counts[i] != 0) out << ' ' << fault_names[i] << '=' << counts[i];
  return out.str();
}

}  // namespace flushcoord::properties

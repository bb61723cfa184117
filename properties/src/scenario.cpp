#include "flushcoord/properties/scenario.hpp"

#include <array>
#include <limits>
#include <sstream>
#include <stdexcept>

#include "flushcoord/sim/rng.hpp"

namespace flushcoord::properties {

namespace {

constexpr std::array<const char*, static_cast<std::size_t>(fault::count_)> fault_names = {
    "none",           "stream_error",   "stream_throw", "stream_stall",  "stream_hang",
    "finalize_error", "finalize_throw", "rotate_error", "abandon",       "inline_submit",
    "stream_throw_int", "stream_throw_user", "stream_at_deadline", "inline_error",
    "engine_error",
};

constexpr std::int64_t us = 1000;
constexpr std::int64_t ms = 1000 * us;

/// The faults drawn from the workload stream: those before engine_error.
/// Later ones draw from streams of their own, so that adding one changed
/// no earlier draw (every seed kept its scenario, the corpus and the
/// mutant budgets their meaning).
constexpr std::size_t mixed_faults = static_cast<std::size_t>(fault::engine_error);

/// Per-seed fault mix. With swarm on, each fault kind is enabled with
/// probability 1/2 and, if enabled, gets a rate of 1..4 in 16.
struct fault_mix {
  std::array<std::uint64_t, mixed_faults> rate_in_16{};
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

/// One "key=value" field of a flush line (the whole-API fields).
void parse_flush_field(flush_plan& p, const std::string& field, const std::string& line) {
  const auto eq = field.find('=');
  if (eq == std::string::npos)
    throw std::invalid_argument("scenario: expected key=value, got '" + field + "' in line: " + line);
  const std::string key = field.substr(0, eq);
  const std::int64_t v = to_int(field.substr(eq + 1), line);
  auto positive = [&] {
    if (v <= 0) throw std::invalid_argument("scenario: " + key + " must be > 0 in line: " + line);
  };
  if (key == "writer") {
    if (v < 0) throw std::invalid_argument("scenario: negative writer in line: " + line);
    p.writer = static_cast<std::uint32_t>(v);
  } else if (key == "acquire_for") {
    positive();
    p.acquire_timeout_ns = v;
  } else if (key == "drop_permit") {
    p.drop_permit_first = v != 0;
  } else if (key == "hold") {
    p.hold_ns = v;
  } else if (key == "engine") {
    if (v < 0) throw std::invalid_argument("scenario: negative engine time in line: " + line);
    p.engine_ns = v;
  } else if (key == "wait_for") {
    positive();
    p.ticket_wait_for_ns = v;
  } else if (key == "poll") {
    p.ticket_poll = v != 0;
  } else if (key == "copy") {
    p.ticket_copy = v != 0;
  } else if (key == "failure_throws") {
    p.failure_throws = v != 0;
  } else if (key == "async_acquire") {
    p.acquire_async = v != 0;
  } else if (key == "async_acquire_cancel") {
    positive();
    p.acquire_cancel_ns = v;
  } else if (key == "async_wait") {
    p.ticket_async = v != 0;
  } else if (key == "async_wait_cancel") {
    positive();
    p.ticket_cancel_ns = v;
  } else {
    throw std::invalid_argument("scenario: unknown flush field '" + key + "' in line: " + line);
  }
}

}  // namespace

std::int64_t stream_duration_ns(const flush_plan& p, std::optional<std::int64_t> timeout_ns) {
  constexpr std::int64_t max = std::numeric_limits<std::int64_t>::max();
  const std::int64_t t = timeout_ns.value_or(0);
  auto times_plus = [&](std::int64_t k) { return t > (max - p.stream_ns) / k ? max : k * t + p.stream_ns; };
  switch (p.what) {
    case fault::stream_stall: return times_plus(2);
    case fault::stream_hang: return times_plus(3);
    case fault::stream_at_deadline: return t;
    default: return p.stream_ns;
  }
}

const char* to_string(fault f) {
  const auto i = static_cast<std::size_t>(f);
  return i < fault_names.size() ? fault_names[i] : "?";
}

std::optional<fault> fault_from_string(const std::string& s) {
  for (std::size_t i = 0; i < fault_names.size(); ++i)
    if (s == fault_names[i]) return static_cast<fault>(i);
  return std::nullopt;
}

namespace {

/// Which parts of the whole-API workload a seed turns on (swarm testing:
/// each feature on with probability 1/2, so some seeds are dense in one
/// feature and others have none of it).
struct api_mix {
  bool writers = false, timed_acquire = false, drop_permit = false, hold = false;
  bool slow_engine = false, wait_for = false, poll = false, copy = false;
  bool failure_throws = false, closes = false, extreme_timeouts = false;
  bool long_run = false;  // more flushes than the polite writer's 16 (task-handle pruning)
};

api_mix draw_api_mix(sim::rng& r) {
  api_mix m;
  for (bool* b : {&m.writers, &m.timed_acquire, &m.drop_permit, &m.hold, &m.slow_engine, &m.wait_for,
                  &m.poll, &m.copy, &m.failure_throws, &m.closes, &m.extreme_timeouts})
    *b = r.chance(1, 2);
  m.long_run = r.chance(1, 8);
  return m;
}

/// A timeout over the whole range the API takes: 1 ns, the usual
/// milliseconds, a century, and nanoseconds::max() ("no deadline").
std::int64_t draw_timeout(sim::rng& r, bool extremes, std::int64_t usual_ns) {
  if (extremes) {
    switch (r.below(8)) {
      case 0: return 1;
      case 1: return std::numeric_limits<std::int64_t>::max();
      case 2: return std::int64_t{100} * 365 * 24 * 3600 * 1000 * ms;
      default: break;
    }
  }
  return usual_ns;
}

/// Which async calls a seed makes (swarm, as api_mix).
struct async_mix {
  bool acquire = false, acquire_cancel = false, wait = false, wait_cancel = false;
};

async_mix draw_async_mix(sim::rng& r) {
  async_mix m;
  m.acquire = r.chance(1, 2);
  m.acquire_cancel = m.acquire && r.chance(1, 2);
  m.wait = r.chance(1, 2);
  m.wait_cancel = m.wait && r.chance(1, 2);
  return m;
}

void draw_async(sim::rng& r, const async_mix& m, flush_plan& p) {
  p.acquire_async = m.acquire && r.chance(1, 2);
  if (p.acquire_async && m.acquire_cancel && r.chance(1, 2))
    p.acquire_cancel_ns = static_cast<std::int64_t>(1 + r.below(2 * ms));
  p.ticket_async = m.wait && r.chance(1, 2);
  if (p.ticket_async && m.wait_cancel && r.chance(1, 2))
    p.ticket_cancel_ns = static_cast<std::int64_t>(1 + r.below(3 * ms));
}

constexpr std::int64_t small_timeout_limit_ns = 8 * ms;  // stalls need a timeout this small

}  // namespace

scenario generate(std::uint64_t seed, const generator_options& opts) {
  sim::rng r(sim::derive_seed(seed, sim::stream_workload));
  const fault_mix mix = draw_mix(r, opts.swarm);
  scenario s;
  s.max_pending = 1 + r.below(opts.max_pending_max);
  if (r.chance(3, 4)) s.stream_timeout_ns = (1 + r.below(8)) * ms;
  s.writer_gap_ns = r.chance(1, 2) ? 0 : static_cast<std::int64_t>(r.below(500)) * us;
  std::size_t n = 1 + r.below(opts.flushes_max);
  // The whole-API mix is drawn from a stream of its own, so the fields the
  // polite writer had keep their values when it is on.
  sim::rng ra(sim::derive_seed(seed, sim::stream_workload_api));
  api_mix api = opts.whole_api ? draw_api_mix(ra) : api_mix{};
  // The async API from a third stream, for the same reason: seeds keep
  // every field they had before it joined.
  sim::rng rs(sim::derive_seed(seed, sim::stream_workload_async));
  const async_mix async = opts.whole_api ? draw_async_mix(rs) : async_mix{};
  // Engine errors (issue 12): swarm-style like the mixed faults, from their
  // own stream; part of the whole-API workload.
  sim::rng re(sim::derive_seed(seed, sim::stream_workload_engine));
  const bool engine_errors = opts.whole_api && (!opts.swarm || re.chance(1, 2));
  const std::uint64_t engine_error_rate_in_16 = 1 + re.below(4);
  if (s.stream_timeout_ns && api.extreme_timeouts && ra.chance(1, 2))
    s.stream_timeout_ns = draw_timeout(ra, true, *s.stream_timeout_ns);
  const bool small_timeout = s.stream_timeout_ns && *s.stream_timeout_ns <= small_timeout_limit_ns;
  if (api.writers) s.writers = 2 + static_cast<std::uint32_t>(ra.below(2));
  if (api.long_run) n += opts.flushes_max;
  for (std::size_t i = 0; i < n; ++i) {
    flush_plan p;
    p.stream_ns = static_cast<std::int64_t>(r.below(3 * ms));
    p.what = draw_fault(r, mix);
    if ((p.what == fault::stream_stall || p.what == fault::stream_hang || p.what == fault::stream_at_deadline) &&
        !small_timeout)
      p.what = fault::stream_error;  // a stall needs a (small) timeout to end it
    if (engine_errors && re.chance(engine_error_rate_in_16, 16 * 4)) p.what = fault::engine_error;
    p.drop_ticket = r.chance(1, 4);
    p.commit_path = r.chance(1, 3);
    p.writer = static_cast<std::uint32_t>(ra.below(s.writers));
    if (api.timed_acquire && ra.chance(1, 2))
      p.acquire_timeout_ns = draw_timeout(ra, api.extreme_timeouts, static_cast<std::int64_t>(1 + ra.below(4 * ms)));
    p.drop_permit_first = api.drop_permit && ra.chance(1, 4);
    if (api.hold && ra.chance(1, 3)) p.hold_ns = ra.chance(1, 4) ? 0 : static_cast<std::int64_t>(ra.below(2 * ms));
    if (api.slow_engine && ra.chance(1, 2)) p.engine_ns = static_cast<std::int64_t>(ra.below(300 * us));
    if (api.wait_for && ra.chance(1, 3))
      p.ticket_wait_for_ns = draw_timeout(ra, api.extreme_timeouts, static_cast<std::int64_t>(1 + ra.below(3 * ms)));
    p.ticket_poll = api.poll && ra.chance(1, 3);
    p.ticket_copy = api.copy && ra.chance(1, 3);
    p.failure_throws = api.failure_throws && ra.chance(1, 2);
    draw_async(rs, async, p);
    if (!opts.finalize_faults) {
      if (p.what == fault::finalize_error || p.what == fault::finalize_throw) p.what = fault::none;
      p.failure_throws = false;
    }
    s.flushes.push_back(p);
  }
  const std::int64_t horizon = static_cast<std::int64_t>(n) * 2 * ms;
  for (std::uint64_t d = r.below(3); d > 0; --d)
    s.drains.push_back({static_cast<std::int64_t>(r.below(horizon)),
                        static_cast<std::int64_t>(1 + r.below(10)) * ms});
  for (auto& d : s.drains) d.timeout_ns = draw_timeout(ra, api.extreme_timeouts, d.timeout_ns);
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
  // A close at 0, or at an instant when the writers act (a multiple of
  // their gap), races acquires, rotations and spawns at one virtual
  // instant: the schedule alone decides who sees it first.
  if (api.closes)
    for (std::uint64_t k = 1 + ra.below(2); k > 0; --k) {
      const std::uint64_t where = ra.below(4);
      const std::int64_t at = where == 0   ? 0
                              : where == 1 ? s.writer_gap_ns * static_cast<std::int64_t>(1 + ra.below(n))
                                           : static_cast<std::int64_t>(ra.below(horizon + horizon / 2));
      s.closes.push_back({at, 0});
    }
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
  if (s.writers != 1) out << "writers " << s.writers << '\n';
  for (const auto& f : s.flushes) {
    out << "flush " << f.stream_ns << ' ' << to_string(f.what) << ' ' << (f.drop_ticket ? 1 : 0)
        << ' ' << (f.commit_path ? 1 : 0);
    // The whole-API fields, only where they differ from the polite writer.
    const flush_plan plain;
    if (f.writer != plain.writer) out << " writer=" << f.writer;
    if (f.acquire_timeout_ns != plain.acquire_timeout_ns) out << " acquire_for=" << f.acquire_timeout_ns;
    if (f.drop_permit_first) out << " drop_permit=1";
    if (f.hold_ns != plain.hold_ns) out << " hold=" << f.hold_ns;
    if (f.engine_ns != plain.engine_ns) out << " engine=" << f.engine_ns;
    if (f.ticket_wait_for_ns != plain.ticket_wait_for_ns) out << " wait_for=" << f.ticket_wait_for_ns;
    if (f.ticket_poll) out << " poll=1";
    if (f.ticket_copy) out << " copy=1";
    if (f.failure_throws) out << " failure_throws=1";
    if (f.acquire_async) out << " async_acquire=1";
    if (f.acquire_cancel_ns != plain.acquire_cancel_ns) out << " async_acquire_cancel=" << f.acquire_cancel_ns;
    if (f.ticket_async) out << " async_wait=1";
    if (f.ticket_cancel_ns != plain.ticket_cancel_ns) out << " async_wait_cancel=" << f.ticket_cancel_ns;
    out << '\n';
  }
  for (const auto& d : s.drains) out << "drain " << d.at_ns << ' ' << d.timeout_ns << '\n';
  for (const auto& c : s.shutdowns) out << "shutdown " << c.at_ns << '\n';
  for (const auto& c : s.closes) out << "close " << c.at_ns << '\n';
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
    } else if (key == "writers") {
      need(1);
      const auto v = to_int(args[0], line);
      if (v < 1 || v > 64) throw std::invalid_argument("scenario: writers out of [1,64]: " + line);
      s.writers = static_cast<std::uint32_t>(v);
    } else if (key == "flush") {
      if (args.size() < 4)
        throw std::invalid_argument("scenario: 'flush' takes at least 4 values, got " +
                                    std::to_string(args.size()) + ": " + line);
      auto what = fault_from_string(args[1]);
      if (!what) throw std::invalid_argument("scenario: unknown fault '" + args[1] + "': " + line);
      flush_plan p{to_int(args[0], line), *what, args[2] == "1", args[3] == "1"};
      for (std::size_t i = 4; i < args.size(); ++i) parse_flush_field(p, args[i], line);
      s.flushes.push_back(p);
    } else if (key == "close") {
      need(1);
      s.closes.push_back({to_int(args[0], line), 0});
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
  for (const auto& f : s.flushes)
    if (f.writer >= s.writers)
      throw std::invalid_argument("scenario: a flush names writer " + std::to_string(f.writer) + " but there are " +
                                  std::to_string(s.writers) + " writers");
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
  if (s.writers != 1) out << " writers=" << s.writers;
  if (!s.closes.empty()) out << " closes=" << s.closes.size();
  if (s.runtime_stop_at_ns) out << " runtime_stop_at_ns=" << *s.runtime_stop_at_ns;
  if (s.close_early) out << " close_early";
  for (std::size_t i = 1; i < counts.size(); ++i)
    if (counts[i] != 0) out << ' ' << fault_names[i] << '=' << counts[i];
  return out.str();
}

}  // namespace flushcoord::properties

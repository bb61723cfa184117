// sim/flushsim/show.cpp
#include "show.hpp"

#include <iterator>

#include <fmt/format.h>

#include "flushcoord/properties/scenario.hpp"
#include "replay.hpp"

namespace flushsim {

namespace fs = flushcoord::sim;

namespace {

/// Virtual nanoseconds as microseconds with all their digits.
std::string micros(std::int64_t ns) { return fmt::format("{}.{:03}", ns / 1000, (ns < 0 ? -ns : ns) % 1000); }

void format_header(std::string& out, const fs::trace& t) {
  auto o = std::back_inserter(out);
  fmt::format_to(o, "seed {}, strategy {}{}\n", t.seed, t.strategy, t.mutant ? ", mutant " + *t.mutant : "");
  try {
    fmt::format_to(o, "scenario: {}\n", flushcoord::properties::summary(flushcoord::properties::parse_scenario(t.scenario)));
  } catch (const std::exception&) {
    out += "scenario: (unreadable by this build)\n";
  }
  fmt::format_to(o, "{} steps, {} decisions, {} events{}, ended at {} µs of virtual time\n\n", t.steps,
                 t.decisions.size(), t.events.size(),
                 t.events_omitted ? fmt::format(" (the first {} left out)", t.events_omitted) : "",
                 micros(t.end_time_ns));
}

void format_events(std::string& out, const fs::trace& t) {
  auto o = std::back_inserter(out);
  fmt::format_to(o, "{:>14}  {:>8}  {:<18} {:<13} {}\n", "time (µs)", "step", "task", "event", "object");
  for (const fs::event& e : t.events)
    fmt::format_to(o, "{:>14}  {:>8}  {:<18} {:<13} {}\n", micros(e.time.count()), e.step, fs::task_label(t, e.task),
                   fs::to_string(e.kind), fs::object_label(t, e));
}

}  // namespace

std::string format_timeline(const fs::trace& t) {
  std::string out;
  format_header(out, t);
  format_events(out, t);
  if (!t.failed) {
    out += "\nthe run was clean\n";
    return out;
  }
  fmt::format_to(std::back_inserter(out), "\nfailure at {} µs: {}\n", micros(t.end_time_ns), describe_failure(*t.failed));
  out += t.failed->report;
  return out;
}

}  // namespace flushsim

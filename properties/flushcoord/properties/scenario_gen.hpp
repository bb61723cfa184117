// flushcoord/properties/scenario_gen.hpp — scenarios as a RapidCheck generator.
//
// The same space as generate(seed), but drawn through RapidCheck so that a
// failing scenario shrinks: fewer flushes, fewer faults, shorter streams,
// fewer drain and shutdown calls. Header-only: only test binaries that link
// RapidCheck include it.
#pragma once

#include <rapidcheck.h>

#include <algorithm>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <ostream>
#include <string>

#include "flushcoord/properties/scenario.hpp"

namespace flushcoord::properties {

/// How RapidCheck prints a counterexample: the scenario's own text format.
inline void showValue(const scenario& s, std::ostream& os) { os << "\n" << to_text(s); }

inline rc::Gen<flush_plan> gen_flush_plan() {
  return rc::gen::exec([] {
    flush_plan p;
    p.stream_ns = *rc::gen::inRange<std::int64_t>(0, 3'000'000);
    p.what = static_cast<fault>(*rc::gen::inRange<int>(0, static_cast<int>(fault::count_)));
    p.drop_ticket = *rc::gen::arbitrary<bool>();
    p.commit_path = *rc::gen::arbitrary<bool>();
    // The whole-API fields; "== 7" and zero defaults so shrinking turns them off.
    p.writer = static_cast<std::uint32_t>(*rc::gen::inRange(0, 3));
    if (*rc::gen::inRange(0, 8) == 7) p.acquire_timeout_ns = *rc::gen::inRange<std::int64_t>(1, 4'000'000);
    p.drop_permit_first = *rc::gen::inRange(0, 8) == 7;
    if (*rc::gen::inRange(0, 8) == 7) p.hold_ns = *rc::gen::inRange<std::int64_t>(0, 2'000'000);
    if (*rc::gen::inRange(0, 4) == 3) p.engine_ns = *rc::gen::inRange<std::int64_t>(0, 300'000);
    if (*rc::gen::inRange(0, 8) == 7) p.ticket_wait_for_ns = *rc::gen::inRange<std::int64_t>(1, 3'000'000);
    p.ticket_poll = *rc::gen::inRange(0, 8) == 7;
    p.ticket_copy = *rc::gen::inRange(0, 8) == 7;
    p.failure_throws = *rc::gen::inRange(0, 8) == 7;
    p.acquire_async = *rc::gen::inRange(0, 8) == 7;
    if (p.acquire_async && *rc::gen::inRange(0, 2) == 1)
      p.acquire_cancel_ns = *rc::gen::inRange<std::int64_t>(1, 2'000'000);
    p.ticket_async = *rc::gen::inRange(0, 8) == 7;
    if (p.ticket_async && *rc::gen::inRange(0, 2) == 1)
      p.ticket_cancel_ns = *rc::gen::inRange<std::int64_t>(1, 3'000'000);
    return p;
  });
}

inline rc::Gen<timed_call> gen_call(std::int64_t horizon_ns, bool with_timeout) {
  return rc::gen::exec([=] {
    timed_call c;
    c.at_ns = *rc::gen::inRange<std::int64_t>(0, horizon_ns);
    c.timeout_ns = with_timeout ? *rc::gen::inRange<std::int64_t>(1, 10'000'000) : 0;
    return c;
  });
}

inline rc::Gen<scenario> gen_scenario() {
  return rc::gen::exec([] {
    scenario s;
    s.max_pending = *rc::gen::inRange<std::size_t>(1, 7);
    if (*rc::gen::arbitrary<bool>()) s.stream_timeout_ns = *rc::gen::inRange<std::int64_t>(1'000'000, 8'000'000);
    s.flushes = *rc::gen::resize(16, rc::gen::nonEmpty(rc::gen::container<std::vector<flush_plan>>(gen_flush_plan())));
    for (auto& f : s.flushes)  // a stall needs a timeout to end it
      if ((f.what == fault::stream_stall || f.what == fault::stream_hang) && !s.stream_timeout_ns)
        f.what = fault::stream_error;
    const std::int64_t horizon = static_cast<std::int64_t>(s.flushes.size()) * 2'000'000;
    s.drains = *rc::gen::resize(3, rc::gen::container<std::vector<timed_call>>(gen_call(horizon, true)));
    s.shutdowns = *rc::gen::resize(3, rc::gen::container<std::vector<timed_call>>(gen_call(horizon, false)));
    s.closes = *rc::gen::resize(2, rc::gen::container<std::vector<timed_call>>(gen_call(horizon, false)));
    s.writers = 1;
    for (const auto& f : s.flushes) s.writers = std::max(s.writers, f.writer + 1);
    // Rare options are "== 7" so that shrinking (towards 0) turns them off.
    if (*rc::gen::inRange(0, 8) == 7) s.runtime_stop_at_ns = *rc::gen::inRange<std::int64_t>(0, horizon);
    s.close_early = *rc::gen::inRange(0, 8) == 7;
    return s;
  });
}

/// Writes a (shrunk) counterexample as a corpus entry under
/// ./rapidcheck-failures and returns the command that replays it.
inline std::string save_counterexample(const scenario& sc, std::uint64_t seed, const std::string& property,
                                       const std::string& what) {
  const auto dir = std::filesystem::current_path() / "rapidcheck-failures";
  std::filesystem::create_directories(dir);
  const auto path = dir / ("seed-" + std::to_string(seed) + ".txt");
  std::ofstream out(path);
  out << "flushcoord-corpus 1\n# shrunk by RapidCheck: " << what << "\nproperty " << property << "\nseed " << seed
      << "\nscenario\n"
      << to_text(sc);
  return "replay: flushsim corpus " + path.string();
}

/// Pins RapidCheck's seed unless the caller set RC_PARAMS, so that ctest
/// runs are reproducible. Call before the first rc::check of the process.
inline void pin_rapidcheck_params(const char* params = "seed=20261127 max_success=150") {
  setenv("RC_PARAMS", params, /*overwrite=*/0);
}

}  // namespace flushcoord::properties

// sim/flushsim/chrome_trace.hpp — a trace in Chrome's Trace Event format.
//
// The result opens in Perfetto (ui.perfetto.dev) and chrome://tracing:
// {"traceEvents": [...], "displayTimeUnit": "ns"} with one track (tid) per
// simulated task, named "name#id";
//   - a complete ("X") slice per task lifetime, from its start (or spawn) to
//     its finish, drop, or the end of the run;
//   - an "X" slice per blocking wait that actually blocked (lock, wait,
//     wait_until, join, sleep: from the call to the task's next event);
//   - an instant ("i") for every other event.
// Timestamps are microseconds of VIRTUAL time (wall time never enters a
// trace); events at the same instant keep their step order through a
// per-task sort index in their args.
#pragma once

#include <nlohmann/json.hpp>

#include "flushcoord/sim/trace.hpp"

namespace flushsim {

nlohmann::json chrome_trace(const flushcoord::sim::trace& t);

}  // namespace flushsim

// sim/flushsim/chrome_trace.hpp — a trace in Chrome's Trace Event format.
//
// The result opens in Perfetto (ui.perfetto.dev) and chrome://tracing:
// {"traceEvents": [...], "displayTimeUnit": "ns"}. Process 1, "tasks", has
// one track (tid = task id) per simulated task, named "name#id", holding
// complete ("X") slices that nest properly (each begins and ends at one
// of that task's own events):
//   - the task's lifetime, from its start to its finish (or the run's end);
//   - "flush N stream" from stream_started to stream_returned (or the
//     task's end), "flush N finalize" / "flush N finalize_failure" from
//     finalize_begin to finalize_end, "drain" from drain_begun to
//     drain_returned, "shutdown: joining" from shutdown_begun to
//     shutdown_returning;
//   - one slice per blocking call that blocked (lock, wait, wait_until,
//     join, sleep), named by what it waited on;
//   - an instant ("i") per coordinator event, named in plain words.
// A flow arrow (bind_id, flow_out / flow_in) joins each stream slice to
// the finalize of the same flush. Counter ("C") tracks "flushes" {pending}
// and "permits" {free} follow the coordinator's counts. Process 2,
// "locks", has one track per mutex with a slice per holder ("held by
// writer#2"; a condvar wait counts as releasing the mutex its task took
// last). The failure is a global instant at the run's end; the events a
// diagnosis rests on (diagnosis.hpp) are instants named "matters: ...".
// Timestamps are microseconds of VIRTUAL time: wall time never enters.
#pragma once

#include <nlohmann/json.hpp>

#include "flushcoord/sim/trace.hpp"

namespace flushsim {

nlohmann::json chrome_trace(const flushcoord::sim::trace& t);

}  // namespace flushsim

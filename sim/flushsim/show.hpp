// sim/flushsim/show.hpp — `flushsim show FILE`: a trace as a timeline.
#pragma once

#include <cstdio>
#include <string>

#include "flushcoord/sim/trace.hpp"

namespace flushsim {

/// The trace's header, its event log (virtual time in µs, step, task,
/// event, object) and the failure with its report, as readable text.
std::string format_timeline(const flushcoord::sim::trace& t);

}  // namespace flushsim

// sim/src/names.cpp — stable names of enums, used in reports and traces.
#include "flushcoord/sim/event.hpp"
#include "flushcoord/sim/failure.hpp"

namespace flushcoord::sim {

std::string_view to_string(failure_class c) noexcept {
  switch (c) {
    case failure_class::property: return "property";
    case failure_class::deadlock: return "deadlock";
    case failure_class::step_budget: return "step_budget";
    case failure_class::time_budget: return "time_budget";
    case failure_class::nondeterminism: return "nondeterminism";
    case failure_class::uncaught_exception: return "uncaught_exception";
    case failure_class::liveness: return "liveness";
  }
  return "unknown";
}

int exit_code(failure_class c) noexcept { return 10 + static_cast<int>(c); }

std::string_view to_string(event_kind k) noexcept {
  switch (k) {
    case event_kind::spawn: return "spawn";
    case event_kind::start: return "start";
    case event_kind::finish: return "finish";
    case event_kind::drop: return "drop";
    case event_kind::lock: return "lock";
    case event_kind::acquire: return "acquire";
    case event_kind::unlock: return "unlock";
    case event_kind::wait: return "wait";
    case event_kind::wait_until: return "wait_until";
    case event_kind::notify_one: return "notify_one";
    case event_kind::notify_all: return "notify_all";
    case event_kind::wake: return "wake";
    case event_kind::join: return "join";
    case event_kind::sleep: return "sleep";
    case event_kind::yield: return "yield";
    case event_kind::timer: return "timer";
    case event_kind::stop_streams: return "stop_streams";
  }
  return "unknown";
}

}  // namespace flushcoord::sim

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
    case event_kind::coordinator: return "coordinator";
    case event_kind::note: return "note";
  }
  return "unknown";
}

object_type object_type_of(event_kind k) noexcept {
  switch (k) {
    case event_kind::spawn:
    case event_kind::start:
    case event_kind::finish:
    case event_kind::drop:
    case event_kind::join: return object_type::task;
    case event_kind::lock:
    case event_kind::acquire:
    case event_kind::unlock: return object_type::mutex;
    case event_kind::wait:
    case event_kind::wait_until:
    case event_kind::notify_one:
    case event_kind::notify_all: return object_type::condvar;
    default: return object_type::none;
  }
}

std::string_view to_string(flushcoord::event_kind k) noexcept {
  using ek = flushcoord::event_kind;
  switch (k) {
    case ek::permit_acquired: return "permit_acquired";
    case ek::permit_released: return "permit_released";
    case ek::rotated: return "rotated";
    case ek::submitted: return "submitted";
    case ek::submit_refused: return "submit_refused";
    case ek::stream_spawned: return "stream_spawned";
    case ek::stream_started: return "stream_started";
    case ek::stream_returned: return "stream_returned";
    case ek::stream_lost: return "stream_lost";
    case ek::stream_timed_out: return "stream_timed_out";
    case ek::late_result_dropped: return "late_result_dropped";
    case ek::abandoned: return "abandoned";
    case ek::finalize_begin: return "finalize_begin";
    case ek::finalize_end: return "finalize_end";
    case ek::ticket_resolved: return "ticket_resolved";
    case ek::flush_finished: return "flush_finished";
    case ek::shut_down_unfinalized: return "shut_down_unfinalized";
    case ek::close_begun: return "close_begun";
    case ek::finalizer_exited: return "finalizer_exited";
    case ek::shutdown_returning: return "shutdown_returning";
    case ek::drain_begun: return "drain_begun";
    case ek::drain_returned: return "drain_returned";
    case ek::shutdown_begun: return "shutdown_begun";
    case ek::permit_wait_begun: return "permit_wait_begun";
    case ek::permit_wait_ended: return "permit_wait_ended";
    case ek::flush_failed: return "flush_failed";
  }
  return "unknown";
}

}  // namespace flushcoord::sim

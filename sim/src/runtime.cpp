// sim/src/runtime.cpp — the public runtime types forward to the active run.
#include <stdexcept>

#include <fmt/format.h>

#include "flushcoord/sim/runtime.hpp"

namespace flushcoord::sim {

namespace {

simulator& active_or_throw(const char* what) {
  simulator* s = simulator::active();
  if (s == nullptr) {
    throw std::logic_error(
        fmt::format("flushcoord::sim: {} called while no simulation run is active", what));
  }
  return *s;
}

}  // namespace

void mutex::lock() { active_or_throw("mutex::lock").mutex_lock(ref_); }
void mutex::unlock() { active_or_throw("mutex::unlock").mutex_unlock(ref_); }

void condvar::wait(mutex& m) {
  active_or_throw("condvar::wait").condvar_wait(ref_, m.ref_, std::nullopt);
}
bool condvar::wait_until(mutex& m, std::chrono::nanoseconds deadline) {
  return active_or_throw("condvar::wait_until").condvar_wait(ref_, m.ref_, deadline);
}
void condvar::notify_one() { active_or_throw("condvar::notify_one").condvar_notify(ref_, false); }
void condvar::notify_all() { active_or_throw("condvar::notify_all").condvar_notify(ref_, true); }

void task_handle::join() {
  if (sim_ != nullptr) sim_->join(id_, run_);
}
bool task_handle::done() const { return sim_ == nullptr || sim_->done(id_, run_); }

simulator& runtime::target() const {
  return sim_ != nullptr ? *sim_ : active_or_throw("runtime");
}

std::chrono::nanoseconds runtime::now() const { return target().now(); }
void runtime::sleep_for(std::chrono::nanoseconds d) const { target().sleep_for(d, nullptr); }
void runtime::sleep_for(std::chrono::nanoseconds d, std::stop_token st) const {
  target().sleep_for(d, &st);
}
void runtime::yield() const { target().yield(); }
bool runtime::stop_requested(const std::stop_token& st) const noexcept {
  simulator* s = sim_ != nullptr ? sim_ : simulator::active();
  if (s != nullptr) s->observe_stop(st);
  return st.stop_requested();
}
void runtime::on_event(const coordinator_event& e) const noexcept {
  // The coordinator calls this only from tasks of a run; a handle used
  // elsewhere has nothing to record into.
  simulator* s = sim_ != nullptr ? sim_ : simulator::active();
  if (s != nullptr) s->coordinator_event_seen(e);
}
void runtime::note(std::string_view text) const noexcept {
  simulator* s = sim_ != nullptr ? sim_ : simulator::active();
  if (s != nullptr) s->note_seen(text);
}
void runtime::stop_unstarted_streams() const { target().stop_unstarted_streams(); }

std::string_view runtime::current_task_name() const {
  simulator& s = target();
  const task_id id = s.current_task();
  if (id == no_task) throw std::logic_error("flushcoord::sim: current_task_name outside a task");
  return s.task(id).name;
}

}  // namespace flushcoord::sim

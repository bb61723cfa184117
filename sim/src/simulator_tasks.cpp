// sim/src/simulator_tasks.cpp — creating, running and finishing tasks.
#include <exception>
#include <utility>

#include <fmt/format.h>

#include "flushcoord/sim/simulator.hpp"

namespace flushcoord::sim {

namespace detail {

void waiter_queue::push(task* t) noexcept {
  t->next_waiter = nullptr;
  if (tail == nullptr) {
    head = tail = t;
  } else {
    tail->next_waiter = t;
    tail = t;
  }
}

task* waiter_queue::pop() noexcept {
  task* t = head;
  if (t == nullptr) return nullptr;
  head = t->next_waiter;
  if (head == nullptr) tail = nullptr;
  t->next_waiter = nullptr;
  return t;
}

bool waiter_queue::remove(task* t) noexcept {
  task* prev = nullptr;
  for (task* it = head; it != nullptr; prev = it, it = it->next_waiter) {
    if (it != t) continue;
    (prev == nullptr ? head : prev->next_waiter) = it->next_waiter;
    if (tail == it) tail = prev;
    it->next_waiter = nullptr;
    return true;
  }
  return false;
}

void task::reset(task_id new_id, const char* new_name, task_kind new_kind,
                 std::unique_ptr<closure> new_fn) noexcept {
  id = new_id;
  name = new_name;
  kind = new_kind;
  started = finished = dropped = runnable = timed_out = in_closure_dtor = false;
  next_kind = event_kind::start;
  next_object = new_id;
  next_object2 = 0;
  waiting = wait_kind::none;
  wait_object = 0;
  wait_deadline = std::chrono::nanoseconds{0};
  wait_cookie = 0;
  next_waiter = nullptr;
  joiners = {};
  fn = std::move(new_fn);
  context = nullptr;
  stack = {};
  asan_fake_stack = nullptr;
  abort_ops = abort_rethrows = 0;
}

}  // namespace detail

detail::task& simulator::new_task(task_kind kind, const char* name,
                                  std::unique_ptr<detail::closure> fn, bool program) {
  if (free_records_.empty()) {
    records_.push_back(std::make_unique<detail::task>());
    // Room for every record to be free at once: releasing one (when a task
    // finishes) never allocates.
    if (free_records_.capacity() < records_.size()) free_records_.reserve(2 * records_.size());
    free_records_.push_back(records_.back().get());
  }
  detail::task& t = *free_records_.back();
  free_records_.pop_back();
  t.reset(static_cast<task_id>(task_count_), name, kind, std::move(fn));
  t.program = program;
  entries_.push_back(task_entry{&t, name, kind, program});
  ++task_count_;
  ++live_;
  touch(object_class::spawn, 0, true);
  touch(object_class::wake, t.id, true);
  if (kind == task_kind::stream) {
    touch(object_class::streams_stop, 0, false);
    if (streams_stopped_) t.dropped = true;
  }
  make_runnable(t);
  return t;
}

// Runs on the task's own fiber: calls the function unless the task was
// dropped or the run is being abandoned, then destroys the closure here so
// its destructor may use sim primitives.
void simulator::run_current_task() noexcept {
  detail::task& t = *current_;
  t.started = true;
  if (t.kind == task_kind::stream) {
    touch(object_class::streams_stop, 0, false);
    if (t.dropped) touch(object_class::spawned, t.id, false);
  }
  emit(event_kind::start, t.id, t.id);
  if (t.dropped || aborting_) {
    if (t.dropped) emit(event_kind::drop, t.id, t.id);
  } else {
    try {
      t.fn->call();
    } catch (const aborted&) {
      // The run is being abandoned; unwinding was the point.
    } catch (const std::exception& e) {
      fail(failure_class::uncaught_exception,
           fmt::format("{} threw: {}", task_label(t.id), e.what()));
    } catch (...) {
      fail(failure_class::uncaught_exception,
           fmt::format("{} threw an exception not derived from std::exception",
                       task_label(t.id)));
    }
  }
  t.in_closure_dtor = true;
  t.fn.reset();
  t.in_closure_dtor = false;
  finish_task(t);
}

void simulator::release_record(detail::task& t) noexcept {
  task_entry& e = entries_[t.id];
  e.started = t.started;
  e.dropped = t.dropped;
  e.rec = nullptr;
  free_records_.push_back(&t);
}

void simulator::finish_task(detail::task& t) noexcept {
  t.finished = true;
  touch(object_class::task, t.id, true);
  --live_;
  if (t.runnable) remove_runnable(t);
  if (!aborting_) wake_all(t.joiners, t.id);
  emit(event_kind::finish, t.id, t.id);
}

}  // namespace flushcoord::sim

// sim/src/simulator_ops.cpp — scheduling points, blocking and waking, and the
// operations behind sim::mutex, sim::condvar, task_handle and runtime.
//
// Every operation follows one pattern:
//   1. point(): a scheduling point (unless the run is being abandoned);
//   2. if aborting_ now, take the abort path (abort_tick) and return;
//   3. do the operation, blocking with block() as needed, and re-check
//      aborting_ after every block.
#include <algorithm>
#include <cstdio>
#include <cstdlib>
#include <exception>
#include <limits>
#include <stdexcept>

#include <fmt/format.h>

#include "flushcoord/sim/simulator.hpp"

namespace flushcoord::sim {

namespace {

/// Operations a task may call after its run was abandoned before it is
/// considered stuck (it swallows sim::aborted or spins on lock/unlock).
constexpr std::uint32_t abort_ops_max = 100'000;
/// Times `aborted` is thrown again at such a task before giving up.
constexpr std::uint32_t abort_rethrows_max = 8;

}  // namespace

detail::task& simulator::running(const char* what) {
  if (current_ == nullptr) {
    throw std::logic_error(
        fmt::format("flushcoord::sim: {} called outside a task of the active run", what));
  }
  return *current_;
}

void simulator::publish(const event& e) {
  // Abandoning a failed run is not part of it: a trace ends at the failure.
  if (cfg_.record_events && !aborting_) events_.push_back(e);
  for (observer* o : observers_) o->on_event(*this, e);
}

void simulator::coordinator_event_seen(const coordinator_event& c) noexcept {
  check_break();
  const task_id t = current_ != nullptr ? current_->id : no_task;
  constexpr std::uint64_t mask28 = (1u << 28) - 1;
  const std::uint64_t what = static_cast<std::uint64_t>(c.kind) | (c.ok ? 0x100u : 0u);
  event_hash_.add((static_cast<std::uint64_t>(event_kind::coordinator) << 56) | ((t & mask28) << 28) | what);
  event_hash_.add(c.seq);
  event_hash_.add(c.count);
  if (!cfg_.record_events && observers_.empty()) return;
  try {
    publish(event{steps_, now_, event_kind::coordinator, t, 0, object_type::none, c});
  } catch (...) {
    // Only allocation can fail here; the event is then missing from the
    // log, while the hash (above) still counts it.
  }
}

void simulator::note_seen(std::string_view text) noexcept {
  const std::uint32_t index = notes_seen_++;
  const task_id t = current_ != nullptr ? current_->id : no_task;
  // emit's hash of (kind, task, index), then the text itself: a note that
  // says something else from one build to the next shows as divergence.
  try {
    if (cfg_.record_events && !aborting_) {
      std::string line(text);
      for (char& c : line)
        if (c == '\n' || c == '\r') c = ' ';  // a trace line holds one note
      notes_.push_back(std::move(line));
    }
    emit(event_kind::note, t, index);
  } catch (...) {
    // Only allocation can fail here (or an observer): the note is then
    // missing from the log; the hash below still counts it.
  }
  event_hash_.add(text.size());
  for (const char c : text) event_hash_.add(static_cast<unsigned char>(c));
}

void simulator::point(detail::task& me, event_kind k, std::uint32_t object) {
  me.next_kind = k;
  me.next_object = object;
  if (k != event_kind::wait && k != event_kind::wait_until) me.next_object2 = 0;
  emit(k, me.id, object);
  ++steps_;
  if (steps_ > cfg_.steps_max) {
    fail(failure_class::step_budget,
         fmt::format("step budget: {} scheduling points without finishing "
                     "(livelock, or a task spinning on yield or lock/unlock?)",
                     cfg_.steps_max));
  }
  if (!failure_) {
    const task_id pick = choose(me.id);
    if (pick == me.id) return;
    if (pick != no_task) next_ = entries_[pick].rec;
  }
  suspend(me);
}

void simulator::block(detail::task& me, detail::wait_kind why, std::uint32_t object,
                      std::optional<std::chrono::nanoseconds> deadline) {
  remove_runnable(me);
  me.waiting = why;
  me.wait_object = object;
  me.timed_out = false;
  ++me.wait_cookie;
  if (deadline) {
    me.wait_deadline = *deadline;
    timers_.push_back(detail::timer{*deadline, timer_seq_++, &me, me.wait_cookie, me.id});
    std::push_heap(timers_.begin(), timers_.end(), detail::timer_later);
  }
  suspend(me);
}

void simulator::make_runnable(detail::task& t) {
  runnable_.insert(std::lower_bound(runnable_.begin(), runnable_.end(), t.id), t.id);
  t.runnable = true;
}

void simulator::remove_runnable(detail::task& t) {
  const auto it = std::lower_bound(runnable_.begin(), runnable_.end(), t.id);
  if (it != runnable_.end() && *it == t.id) runnable_.erase(it);
  t.runnable = false;
}

void simulator::wake(detail::task& t, std::uint32_t object) {
  object_type on = object_type::none;
  if (object != 0) {
    switch (t.waiting) {
      case detail::wait_kind::mutex: on = object_type::mutex; break;
      case detail::wait_kind::condvar:
      case detail::wait_kind::condvar_timed: on = object_type::condvar; break;
      case detail::wait_kind::join: on = object_type::task; break;
      default: break;
    }
  }
  t.waiting = detail::wait_kind::none;
  touch(object_class::wake, t.id, true);
  make_runnable(t);
  emit(event_kind::wake, t.id, object, on);
}

void simulator::wake_all(detail::waiter_queue& q, std::uint32_t object) {
  while (detail::task* t = q.pop()) wake(*t, object);
}

// The abort path of every operation: bounded, and throwing `aborted` only
// where unwinding is safe (no exception in flight, not in a closure's
// destructor) and only from operations that `may_throw` (the blocking ones).
void simulator::abort_tick(detail::task& me, bool may_throw) {
  const bool can_throw = !me.in_closure_dtor && std::uncaught_exceptions() == 0;
  if (++me.abort_ops > abort_ops_max) {
    if (can_throw && me.abort_rethrows < abort_rethrows_max) {
      ++me.abort_rethrows;
      me.abort_ops = 0;
      throw aborted{};
    }
    std::fprintf(stderr,
                 "flushcoord::sim: %s#%u keeps calling operations after its run was "
                 "abandoned (it swallows sim::aborted or spins); giving up\n",
                 me.name, me.id);
    std::abort();
  }
  if (may_throw && can_throw) throw aborted{};
}

object_id simulator::mutex_id(detail::object_ref& ref) {
  if (ref.run != run_number_ || ref.id == 0) {
    mutexes_.emplace_back();
    mutexes_.back().name = ref.name;
    mutexes_.back().birth = ref.birth;
    ref.id = static_cast<object_id>(mutexes_.size());
    ref.run = run_number_;
  }
  return ref.id;
}

object_id simulator::condvar_id(detail::object_ref& ref) {
  if (ref.run != run_number_ || ref.id == 0) {
    condvars_.emplace_back();
    condvars_.back().name = ref.name;
    condvars_.back().birth = ref.birth;
    ref.id = static_cast<object_id>(condvars_.size());
    ref.run = run_number_;
  }
  return ref.id;
}

void simulator::mutex_lock(detail::object_ref& ref) {
  detail::task& me = running("mutex::lock");
  const object_id id = mutex_id(ref);
  if (!aborting_) point(me, event_kind::lock, id);
  if (!aborting_) return relock(me, id);
  // The run is being abandoned: nobody waits any more. A free mutex is
  // simply taken (destructors lock on their way out, and must not throw).
  // One that another task holds cannot be waited for: throw sim::aborted
  // where the task can unwind. Going on without it let a task change state
  // that the owner, suspended inside its critical section, still pointed
  // into (a use-after-free ASan found once stream tasks began to publish
  // flushes themselves). Only a task that cannot throw goes on without it.
  detail::mutex_state& st = mutexes_[id - 1];
  if (st.owner == no_task) {
    abort_tick(me, false);
    st.owner = me.id;
    return;
  }
  abort_tick(me, true);
}

// Takes mutex `mid`, blocking while another task holds it. Not a scheduling
// point of its own: callers made one already. Waiters are all woken by an
// unlock and race again, so the strategy decides who gets the mutex.
//
// Every attempt is logged, the retry after a wake-up included: a woken
// waiter's step either takes the mutex or blocks again, and both depend on
// whoever else takes it meanwhile (before, only the first attempt was
// logged, so the step that finally took the mutex looked independent of
// every other lock of it and the sleep sets could prune a real ordering).
void simulator::relock(detail::task& me, object_id mid) {
  for (;;) {
    detail::mutex_state& st = mutexes_[mid - 1];
    // acquire = an attempt, whether it takes the mutex or blocks: a blocked
    // attempt races with the holder's acquisition (reversed, it would have
    // taken the mutex first), and it orders the task's later acquisition
    // after the holder, so logged as a plain write it hid that race.
    touch(object_class::mutex, mid, true, true);
    if (st.owner == no_task) {
      st.owner = me.id;
      emit(event_kind::acquire, me.id, mid);
      return;
    }
    st.waiters.push(&me);
    me.next_kind = event_kind::lock;
    me.next_object = mid;
    block(me, detail::wait_kind::mutex, mid, std::nullopt);
    if (aborting_) {
      abort_tick(me, false);
      if (mutexes_[mid - 1].owner == no_task) mutexes_[mid - 1].owner = me.id;
      return;
    }
  }
}

void simulator::mutex_unlock(detail::object_ref& ref) {
  detail::task& me = running("mutex::unlock");
  const object_id id = mutex_id(ref);
  if (!aborting_) point(me, event_kind::unlock, id);
  detail::mutex_state& st = mutexes_[id - 1];
  if (aborting_) {
    abort_tick(me, false);
    if (st.owner == me.id) st.owner = no_task;
    return;
  }
  touch(object_class::mutex, id, true);
  if (st.owner != me.id) {
    fail(failure_class::property,
         fmt::format("{} unlocked {} which it does not hold (owner: {})",
                     task_label(me.id), object_label(object_type::mutex, id),
                     st.owner != no_task ? task_label(st.owner) : std::string("none")));
    return;
  }
  st.owner = no_task;
  wake_all(st.waiters, id);
}

bool simulator::condvar_wait(detail::object_ref& cv, detail::object_ref& m,
                             std::optional<std::chrono::nanoseconds> deadline) {
  detail::task& me = running(deadline ? "condvar::wait_until" : "condvar::wait");
  const object_id cid = condvar_id(cv);
  const object_id mid = mutex_id(m);
  me.next_object2 = mid;
  if (!aborting_) point(me, deadline ? event_kind::wait_until : event_kind::wait, cid);
  if (aborting_) return abort_tick(me, true), false;
  touch(object_class::condvar, cid, true);
  touch(object_class::mutex, mid, true);
  if (deadline) touch(object_class::timer, static_cast<std::uint32_t>(deadline->count()), true);
  if (mutexes_[mid - 1].owner != me.id) {
    fail(failure_class::property,
         fmt::format("{} waited on {} without holding {}", task_label(me.id),
                     object_label(object_type::condvar, cid), object_label(object_type::mutex, mid)));
    return false;
  }
  if (deadline && now_ >= *deadline) return false;
  detail::mutex_state& ms = mutexes_[mid - 1];
  ms.owner = no_task;
  wake_all(ms.waiters, mid);
  condvars_[cid - 1].waiters.push(&me);
  me.next_kind = event_kind::lock;
  me.next_object = mid;
  block(me, deadline ? detail::wait_kind::condvar_timed : detail::wait_kind::condvar, cid,
        deadline);
  const bool timed_out = me.timed_out;
  if (!aborting_) relock(me, mid);
  if (aborting_) return abort_tick(me, true), false;
  return !timed_out;
}

void simulator::condvar_notify(detail::object_ref& cv, bool all) {
  detail::task& me = running(all ? "condvar::notify_all" : "condvar::notify_one");
  const object_id cid = condvar_id(cv);
  if (!aborting_) point(me, all ? event_kind::notify_all : event_kind::notify_one, cid);
  if (aborting_) return abort_tick(me, false);
  touch(object_class::condvar, cid, true);
  detail::waiter_queue& q = condvars_[cid - 1].waiters;
  if (all) {
    wake_all(q, cid);
  } else if (detail::task* t = q.pop()) {
    wake(*t, cid);
  }
}

task_id simulator::spawn(task_kind kind, const char* name, std::unique_ptr<detail::closure> fn,
                         bool program) {
  detail::task& me = running("runtime::spawn");
  const task_id id = new_task(kind, name, std::move(fn), program).id;
  if (!aborting_) point(me, event_kind::spawn, id);
  if (aborting_) abort_tick(me, false);
  // A dropped stream destroyed while its spawn is still in progress is
  // failed by the spawner (core's spawn_attempt, plain memory), otherwise by
  // its own first step: the two steps are dependent.
  if (kind == task_kind::stream) touch(object_class::spawned, id, true);
  return id;
}

void simulator::join(task_id id, std::uint64_t run) {
  detail::task& me = running("task_handle::join");
  if (run != run_number_ || id >= task_count_) {
    throw std::logic_error("flushcoord::sim: task_handle used outside the run that made it");
  }
  if (!aborting_) point(me, event_kind::join, id);
  if (aborting_) return abort_tick(me, true);
  touch(object_class::task, id, false);
  // A finished task's record is gone (entries_[id].rec == nullptr).
  while (detail::task* t = entries_[id].rec) {
    if (t->finished) break;
    t->joiners.push(&me);
    me.next_kind = event_kind::join;
    me.next_object = id;
    block(me, detail::wait_kind::join, id, std::nullopt);
    if (aborting_) return abort_tick(me, true);
  }
}

bool simulator::done(task_id id, std::uint64_t run) const {
  if (run != run_number_ || id >= task_count_) {
    throw std::logic_error("flushcoord::sim: task_handle used outside the run that made it");
  }
  touch(object_class::task, id, false);
  const detail::task* t = entries_[id].rec;
  return t == nullptr || t->finished;
}

void simulator::sleep_for(std::chrono::nanoseconds d, const std::stop_token* stop) {
  detail::task& me = running("runtime::sleep_for");
  if (!aborting_) point(me, event_kind::sleep, 0);
  if (aborting_) return abort_tick(me, true);
  if (stop != nullptr && cfg_.record_accesses) touch_stop_token(*stop);
  if (d.count() <= 0 || (stop != nullptr && stop->stop_requested())) return;
  const auto max = std::chrono::nanoseconds::max();
  const auto deadline = d > max - now_ ? max : now_ + d;
  touch(object_class::timer, static_cast<std::uint32_t>(deadline.count()), true);
  me.next_kind = event_kind::sleep;
  me.next_object = 0;
  if (stop != nullptr) {
    const std::stop_callback<stop_waker> wake_on_stop(*stop, stop_waker{this, &me});
    block(me, detail::wait_kind::sleep, 0, deadline);
  } else {
    block(me, detail::wait_kind::sleep, 0, deadline);
  }
  if (aborting_) abort_tick(me, true);
}

void simulator::yield() {
  detail::task& me = running("runtime::yield");
  if (!aborting_) point(me, event_kind::yield, 0);
  if (aborting_) abort_tick(me, true);
}

void simulator::stop_unstarted_streams() {
  detail::task& me = running("runtime::stop_unstarted_streams");
  if (!aborting_) point(me, event_kind::stop_streams, 0);
  if (aborting_) return abort_tick(me, false);
  // Its only effects: streams spawned later, and streams whose first step
  // comes later, are dropped; both steps read streams_stop.
  touch(object_class::streams_stop, 0, true);
  streams_stopped_ = true;
  // Only live tasks can be unstarted (a task starts before it finishes):
  // visit the records in use, not every id of the run.
  for (const auto& r : records_) {
    detail::task& t = *r;
    if (t.id >= task_count_ || entries_[t.id].rec != &t) continue;  // free record
    if (!t.started && t.kind == task_kind::stream) t.dropped = true;
  }
}

// The stop state is written by plain code (std::stop_source::request_stop)
// the simulator cannot see directly; a stop_callback registered at the first
// sleep on it sees every later request, on the requesting task's fiber.
void simulator::touch_stop_token(const std::stop_token& token) {
  for (std::size_t i = 0; i < stop_watches_.size(); ++i)
    if (stop_watches_[i].token == token) return touch(object_class::stop, static_cast<std::uint32_t>(i), false);
  if (token.stop_requested()) return touch(object_class::global, 0, true);
  const auto id = static_cast<std::uint32_t>(stop_watches_.size());
  stop_watches_.push_back(stop_watch{token, nullptr});
  stop_watches_.back().on_request = std::make_unique<std::stop_callback<stop_writer>>(token, stop_writer{this, id});
  touch(object_class::stop, id, false);
}

void simulator::observe_stop(const std::stop_token& token) noexcept {
  if (!cfg_.record_accesses || aborting_ || current_ == nullptr) return;
  touch_stop_token(token);
}

void simulator::stop_writer::operator()() const noexcept {
  if (sim->aborting_ || sim->current_ == nullptr) return;
  sim->touch(object_class::stop, id, true);
}

// Runs inside std::stop_source::request_stop(), on the requesting task's
// fiber: it only moves the sleeper to the runnable set, never switches.
void simulator::stop_waker::operator()() const noexcept {
  if (sim->aborting_ || sleeper->waiting != detail::wait_kind::sleep) return;
  sim->wake(*sleeper, 0);
}

}  // namespace flushcoord::sim

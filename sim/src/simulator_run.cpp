// sim/src/simulator_run.cpp — one run from start to end: the scheduler loop,
// choices, the clock, failure and abandonment.
#include <algorithm>
#include <stdexcept>
#include <utility>

#include <fmt/format.h>

#include "flushcoord/sim/simulator.hpp"

namespace flushcoord::sim {

namespace {

/// The simulator whose run is active on this thread. Needed because
/// sim::mutex and sim::condvar are default-constructed by the code under
/// test and cannot be handed a simulator.
thread_local simulator* active_simulator = nullptr;

/// Sim objects constructed on this thread outside any run since the last
/// run ended (or a simulator was made): the birth names of the objects a
/// run's set-up builds, the same in every run of a search.
thread_local std::uint32_t births_outside_runs = 0;

/// A task (or 0xfffe: outside runs, 0xffff: the clock) and a count, both
/// saturating: names that collide only add dependence.
std::uint32_t name_of(std::uint32_t who, std::uint32_t nth) noexcept {
  return (std::min<std::uint32_t>(who, 0xffffu) << 16) | std::min<std::uint32_t>(nth, 0xffffu);
}
constexpr std::uint32_t outside_runs = 0xfffe;
constexpr std::uint32_t the_clock = 0xffff;

bool timer_valid(const detail::timer& e) noexcept {
  const detail::task& t = *e.owner;
  if (t.id != e.owner_id) return false;  // the record was recycled for a later task
  const bool timed = t.waiting == detail::wait_kind::sleep ||
                     t.waiting == detail::wait_kind::condvar_timed;
  return timed && t.wait_cookie == e.cookie;
}

}  // namespace

simulator::simulator(config cfg) : simulator(cfg, own_strategy_) {}

simulator::simulator(config cfg, scheduler& strategy) : cfg_(cfg), strategy_(&strategy) {
  births_outside_runs = 0;
  if (cfg_.stack_size == 0) cfg_.stack_size = stack_pool::default_size();
  if (cfg_.stacks != nullptr) {
    stacks_ = cfg_.stacks;
  } else {
    own_stacks_ = std::make_unique<stack_pool>(cfg_.stack_size);
    stacks_ = own_stacks_.get();
  }
  decisions_.reserve(cfg_.reserve_steps);
  if (cfg_.record_events) events_.reserve(cfg_.reserve_steps);
  if (cfg_.record_accesses) {
    accesses_.reserve(1024);
    next_ops_.reserve(64);
  }
  runnable_.reserve(64);
  timers_.reserve(64);
}

simulator::~simulator() = default;

simulator* simulator::active() noexcept { return active_simulator; }

run_result simulator::run_closure(std::unique_ptr<detail::closure> main_fn) {
  if (active_simulator != nullptr) {
    throw std::logic_error("simulator::run: a run is already active on this thread");
  }
  begin_run();
  // Cleared on every exit: only the simulator's own failures (bad_alloc of
  // a stack, a throwing scheduler) can leave the loop by exception.
  struct deactivate {
    ~deactivate() {
      active_simulator = nullptr;
      births_outside_runs = 0;
    }
  } on_exit;
  active_simulator = this;
  new_task(task_kind::finalizer, "main", std::move(main_fn), true);
  strategy_->start_run(run_start{cfg_.seed});
  scheduler_loop();
  if (!failure_) {
    std::string why = strategy_->end_run();
    if (!why.empty()) failure_ = failure{failure_class::nondeterminism, std::move(why), {}};
  }
  return make_result();
}

void simulator::begin_run() {
  ++run_number_;
  task_count_ = 0;
  entries_.clear();
  free_records_.clear();
  for (auto it = records_.rbegin(); it != records_.rend(); ++it) free_records_.push_back(it->get());
  live_ = 0;
  runnable_.clear();
  mutexes_.clear();
  condvars_.clear();
  timers_.clear();
  timer_seq_ = 0;
  now_ = std::chrono::nanoseconds{0};
  steps_ = 0;
  decisions_.clear();
  event_hash_.reset();
  events_.clear();
  notes_.clear();
  notes_seen_ = 0;
  failure_.reset();
  accesses_.clear();
  births_.clear();
  access_step_ = 0;
  stepper_ = no_task;
  aborting_ = false;
  streams_stopped_ = false;
  stop_watches_.clear();
  break_hit_ = false;
  current_ = nullptr;
  next_ = nullptr;
}

void simulator::scheduler_loop() {
  while (live_ > 0) {
    if (failure_) {
      abort_all();
      return;
    }
    detail::task* t = std::exchange(next_, nullptr);
    if (t == nullptr) t = pick_from_scheduler();
    if (t != nullptr) resume(*t);
  }
}

detail::task* simulator::pick_from_scheduler() {
  if (!runnable_.empty()) {
    const task_id id = choose(no_task);
    return id == no_task ? nullptr : entries_[id].rec;
  }
  // The step that just blocked ends here, before the clock wakes anyone:
  // its step_end says it cannot run, and the clock's accesses are a step
  // of their own.
  if (cfg_.record_accesses) end_step(no_task);
  if (fire_timers()) return nullptr;
  fail(failure_class::deadlock,
       fmt::format("deadlock: {} live task(s) blocked and no timer pending", live_));
  return nullptr;
}

task_id simulator::choose(task_id current) {
  const std::size_t n = runnable_.size();
  if (n == 1) {
    if (cfg_.record_accesses) end_step(runnable_.front());
    return runnable_.front();
  }
  if (cfg_.record_accesses) {
    end_step(no_task);
    next_ops_.clear();
    for (const task_id id : runnable_) {
      const detail::task& t = *entries_[id].rec;
      next_op op{t.next_kind, t.next_object, t.next_object2, false};
      if (op.kind == event_kind::lock) {
        const task_id owner = mutexes_[op.object - 1].owner;
        op.blocks = owner != no_task && owner != t.id;
      }
      next_ops_.push_back(op);
    }
  }
  const pick_request req{runnable_, current, steps_, decisions_.size(), accesses_, next_ops_};
  const std::size_t index = strategy_->pick(req);
  if (cfg_.record_accesses) {
    accesses_.clear();
    if (index < n) stepper_ = runnable_[index];
  }
  if (index >= n) {
    std::string why = strategy_->error();
    if (why.empty()) {
      why = fmt::format("scheduler picked index {} of {} runnable tasks at decision {}", index,
                        n, decisions_.size());
    }
    fail(failure_class::nondeterminism, std::move(why));
    return no_task;
  }
  decisions_.record(static_cast<std::uint32_t>(index), static_cast<std::uint32_t>(n));
  return runnable_[index];
}

bool simulator::fire_timers() {
  while (!timers_.empty() && !timer_valid(timers_.front())) {
    std::pop_heap(timers_.begin(), timers_.end(), detail::timer_later);
    timers_.pop_back();
  }
  if (timers_.empty()) return false;
  const auto deadline = timers_.front().deadline;
  if (deadline > cfg_.virtual_time_max) {
    fail(failure_class::time_budget,
         fmt::format("time budget: next deadline {}ns is past virtual_time_max {}ns",
                     deadline.count(), cfg_.virtual_time_max.count()));
    return true;
  }
  now_ = std::max(now_, deadline);
  event_hash_.add(static_cast<std::uint64_t>(now_.count()));
  emit(event_kind::timer, timers_.front().owner_id, 0);
  while (!timers_.empty() && timers_.front().deadline <= now_) {
    const detail::timer due = timers_.front();
    std::pop_heap(timers_.begin(), timers_.end(), detail::timer_later);
    timers_.pop_back();
    if (!timer_valid(due)) continue;
    detail::task& t = *due.owner;
    t.timed_out = true;
    if (t.waiting == detail::wait_kind::condvar_timed) {
      condvars_[t.wait_object - 1].waiters.remove(&t);
    }
    wake(t, 0);
  }
  return true;
}

// Abandons a failed run: resumes every unfinished task once with aborting_
// set. No operation blocks in that mode, so each resume runs the task to its
// end (unwinding by sim::aborted, or destroying an unstarted closure unrun).
// Newest tasks go first, like stack unwinding: children commonly borrow
// their parent's locals (main's especially), so the parent must unwind
// last. Tasks spawned meanwhile restart the scan from the top.
void simulator::abort_all() {
  aborting_ = true;
  next_ = nullptr;
  std::size_t i = task_count_;
  while (i > 0) {
    --i;
    if (entries_[i].rec == nullptr || entries_[i].rec->finished) continue;
    detail::task& t = *entries_[i].rec;
    const std::size_t before = task_count_;
    resume(t);
    if (task_count_ != before) i = task_count_;
  }
}

// Closes the step that just ended (a step_end marker saying whether its task
// can still run) and opens the next one, run by `next` when already known.
void simulator::end_step(task_id next) {
  if (stepper_ != no_task) {
    const detail::task* t = entries_[stepper_].rec;
    const bool still = t != nullptr && t->runnable && !t->finished;
    accesses_.push_back(access{stepper_, access_step_, object_class::step_end, false, still ? 1u : 0u});
  }
  ++access_step_;
  stepper_ = next;
}

// A mutex or condvar is numbered by its first use in the run, so the same
// object can get another number in another run: two tasks first-using two
// different objects are independent, and either may go first. Sleep sets
// compare a step's accesses with a footprint recorded in an earlier run (a
// sibling, in another class), so the log names a mutex or condvar by its
// birth instead (name_birth: which task constructed it, and which of that
// task's constructions it was, both fixed by the task's program order).
// Naming by first toucher instead was tried and lost outcomes: where either
// of two tasks can touch an object first, siblings name it differently and
// a sleeper misses its dependence (docs/model-checking.md). Stop states
// (std::stop_source state, no constructor of ours) keep the run's order of
// first sight.
void simulator::log_access(object_class cls, std::uint32_t id, bool write, bool acquire) const {
  const task_id who = current_ != nullptr ? current_->id : no_task;
  if (cls == object_class::mutex && id >= 1 && id <= mutexes_.size()) id = mutexes_[id - 1].birth;
  if (cls == object_class::condvar && id >= 1 && id <= condvars_.size()) id = condvars_[id - 1].birth;
  accesses_.push_back(access{who, access_step_, cls, write, id, acquire});
}

std::uint32_t simulator::next_birth_name() noexcept {
  if (current_ == nullptr) return name_of(the_clock, ++births_outside_runs);
  const task_id t = current_->id;
  if (t >= births_.size()) births_.resize(t + 1, 0);
  return name_of(t, ++births_[t]);
}

namespace detail {
void name_birth(object_ref& ref) noexcept {
  simulator* s = active_simulator;
  ref.birth = s != nullptr ? s->next_birth_name() : name_of(outside_runs, ++births_outside_runs);
}
}  // namespace detail

run_result simulator::make_result() const {
  run_result r;
  r.failed = failure_;
  r.steps = steps_;
  r.decisions = decisions_.size();
  r.decision_hash = decisions_.hash();
  r.event_hash = event_hash_.value();
  r.end_time = now_;
  r.tasks = task_count_;
  return r;
}

void simulator::hit_break() {
  if (break_hit_ || aborting_ || current_ == nullptr) return;  // the scheduler's own events: no fiber to stop in
  break_hit_ = true;
  const break_point where{steps_, current_->id, current_->name, now_.count()};
  if (cfg_.on_break != nullptr)
    cfg_.on_break(where);
  else
    flushcoord_sim_break(&where);
  asm volatile("" ::: "memory");  // not a tail call: this frame stays visible
}

void simulator::fail(failure_class what, std::string message) {
  if (failure_ || aborting_) return;
  std::string report = fmt::format("at step {}, t={}ns, in {}\n", steps_, now_.count(),
                                   current_ ? task_label(current_->id) : "the scheduler");
  report += task_table();
  failure_ = failure{what, std::move(message), std::move(report)};
}

task_info simulator::task(task_id id) const {
  if (id >= task_count_) throw std::out_of_range("simulator::task: no such task in this run");
  const task_entry& e = entries_[id];
  if (e.rec == nullptr) return task_info{id, e.name, e.kind, e.started, true, e.dropped, e.program};
  const detail::task& t = *e.rec;
  return task_info{t.id, t.name, t.kind, t.started, t.finished, t.dropped, t.program};
}

task_id simulator::current_task() const noexcept {
  return current_ != nullptr ? current_->id : no_task;
}

std::string simulator::task_label(task_id id) const {
  if (id >= task_count_) return fmt::format("task#{}", id);
  return fmt::format("{}#{}", entries_[id].name, id);
}

std::string_view simulator::task_role(task_id id) const {
  if (id >= task_count_) return "unknown";
  if (entries_[id].program) return "program";
  return entries_[id].kind == task_kind::stream ? "stream" : "finalizer";
}

std::string simulator::object_label(object_type type, object_id id) const {
  const bool is_mutex = type == object_type::mutex;
  const std::size_t names_known = is_mutex ? mutexes_.size() : condvars_.size();
  const char* name = nullptr;
  if (id >= 1 && id <= names_known) name = is_mutex ? mutexes_[id - 1].name : condvars_[id - 1].name;
  if (name != nullptr) return name;
  return fmt::format("{}#{}", is_mutex ? "mutex" : "condvar", id);
}

}  // namespace flushcoord::sim

// flushcoord/properties/workload.hpp — the workload and the run, over any engine.
//
// The program that drives a coordinator through its whole public API
// (writers, holders, drains, closes, shutdowns, ticket forms; see
// run_scenario.hpp for the tasks), written once as a template over an
// adapter. Its one adapter is flushcoord::testing's setup_adapter
// (testing/flushcoord/testing/run.hpp), which every engine goes through,
// the model engine included (properties/src/model_setup.hpp): a user's
// engine gets exactly the workload, faults and checkers flushsim has.
//
// An adapter A supplies:
//   using engine = ...;          the coordinator's engine type; its on_event
//                                and finalize feed the checkers (facts.hpp)
//   engine make_engine();        called once, on the run's main task
//   rotated_state rotated_state_for(std::size_t plan)
//                                the engine's rotate step for plan index
//                                `plan`, under the workload's flush lock
//   result<outcome> produce(std::size_t plan, const rotated_state&, std::stop_token)
//                                what a successful stream (and an inline
//                                submit) produces; may sleep and lock
//   std::uint64_t key(const snapshot_id&)
//                                the snapshot as a number, for the facts
//   void started()               on the main task, once the coordinator exists
//                                (a user's engine starts its own tasks here)
//   void stopping()              on the main task, after the final shutdown
//                                (or before an early close): join them here
//   void finished()              after the run, every task done (quiescence)
#pragma once

#include <algorithm>
#include <chrono>
#include <memory>
#include <optional>
#include <stdexcept>
#include <stop_token>
#include <string>
#include <vector>

#include "flushcoord/coordinator.hpp"
#include "flushcoord/properties/checker_set.hpp"
#include "flushcoord/properties/liveness.hpp"
#include "flushcoord/properties/run_scenario.hpp"
#include "flushcoord/properties/scenario.hpp"
#include "flushcoord/properties/world.hpp"
#include "flushcoord/sim/runtime.hpp"
#include "flushcoord/sim/simulator.hpp"

namespace flushcoord::properties {

namespace workload_detail {

using std::chrono::nanoseconds;

/// What a stream throws for fault::stream_throw_user: not a std::exception.
struct injected_user_error {
  int code = 7;
};

/// Where an async call's completion leaves its outcome, for the task that
/// made the call to wait on: the simulated counterpart of a suspended
/// coroutine. `dropped`: the completion was destroyed unrun (the runtime
/// stopped first).
template <class T>
struct async_slot {
  sim::mutex m;
  sim::condvar cv;
  std::optional<T> value;
  bool dropped = false;

  /// Requires m held. Waits for the outcome; with a cancel delay > 0, calls
  /// on_cancel() (unlocked) once that long passed without one. False if
  /// the completion was dropped.
  template <class OnCancel>
  bool wait(sim::runtime& rt, std::int64_t cancel_after_ns, OnCancel on_cancel) {
    if (cancel_after_ns > 0) {
      const nanoseconds deadline = rt.now() + nanoseconds(cancel_after_ns);
      while (!value && !dropped)
        if (!cv.wait_until(m, deadline) && !value && !dropped) {
          m.unlock();
          on_cancel();
          m.lock();
          break;
        }
    }
    while (!value && !dropped) cv.wait(m);
    return value.has_value();
  }
};

/// The completion handed to an async call: fills the slot, or marks it
/// dropped if it is destroyed without being called.
template <class T>
class fill_slot {
 public:
  explicit fill_slot(std::shared_ptr<async_slot<T>> s) : s_(std::move(s)) {}
  fill_slot(fill_slot&& o) noexcept : s_(std::move(o.s_)) {}
  fill_slot& operator=(fill_slot&&) = delete;
  ~fill_slot() {
    if (!s_) return;
    flushcoord::detail::in_destructor([&] {
      lock_guard lk(s_->m);
      s_->dropped = true;
      s_->cv.notify_all();
    });
  }
  void operator()(T outcome) {
    auto s = std::move(s_);
    lock_guard lk(s->m);
    s->value.emplace(std::move(outcome));
    s->cv.notify_all();
  }

 private:
  std::shared_ptr<async_slot<T>> s_;
};

/// The success path of a stream: the adapter's stream (for a user's engine,
/// their hook, which may take sim mutexes and sleep) runs first, then the
/// stream sleeps what is left of its planned duration. The total is the
/// plan's whenever the hook takes less, which the outcome oracle relies on.
/// The sleep happens even when nothing is left (a zero sleep is still a
/// scheduling point), so the model engine's schedules are what they were.
template <class Adapter>
result<typename Adapter::engine::outcome> produce_then_sleep(model_world& w, Adapter& a, std::size_t i,
                                                             const typename Adapter::engine::rotated_state& state,
                                                             std::stop_token stop, nanoseconds runs,
                                                             bool honour_stop) {
  const nanoseconds start = w.rt.now();
  auto out = a.produce(i, state, stop);
  const nanoseconds rest = std::max(nanoseconds(0), runs - (w.rt.now() - start));
  if (honour_stop)
    w.rt.sleep_for(rest, stop);
  else
    w.rt.sleep_for(rest);
  return out;
}

/// The workload: a program over the coordinator's public API, drawn by the
/// scenario. Writer tasks rotate and submit their flushes (SPEC §4's flush
/// lock, commit path and explicit path; timed acquires; permits dropped
/// unused); holder tasks keep rotated flushes a while and submit them out
/// of rotate order; tickets are waited, wait_for'ed, polled, copied and
/// moved; drain, close and shutdown calls land at their times. Every call's
/// result becomes a fact for the outcome oracle (checks/outcome.hpp).
template <class Adapter>
class workload {
 public:
  using engine = typename Adapter::engine;
  using coordinator_type = coordinator<sim::runtime, engine>;

  workload(model_world& w, Adapter& a, coordinator_type& coord) : w_(w), a_(a), coord_(coord) {}

  /// Writer `who`: every planned flush of its own, in plan order. Stops
  /// early once the coordinator refuses (it is shut down).
  void write(std::uint32_t who) {
    for (std::size_t i = 0; i < w_.sc->flushes.size(); ++i) {
      if (w_.plan(i).writer != who) continue;
      if (w_.sc->writer_gap_ns > 0) w_.rt.sleep_for(nanoseconds(w_.sc->writer_gap_ns));
      if (!write_one(who, i)) return;
    }
  }

  void drain(std::size_t call) {
    const timed_call& c = w_.sc->drains[call];
    w_.rt.sleep_for(nanoseconds(c.at_ns));
    w_.note({.kind = fact_kind::drain_called, .a = call, .b = static_cast<std::uint64_t>(c.timeout_ns)});
    const result<void> r = coord_.drain(nanoseconds(c.timeout_ns));
    w_.note({.kind = fact_kind::drain_returned, .a = call, .ok = r.ok(),
             .code = r.ok() ? errc::shut_down : r.error().code});
  }

  void shutdown_at(std::size_t call, std::int64_t at_ns) {
    w_.rt.sleep_for(nanoseconds(at_ns));
    shutdown(call);
  }

  void shutdown(std::size_t call) {
    w_.note({.kind = fact_kind::shutdown_called, .a = call});
    coord_.shutdown();
    w_.note({.kind = fact_kind::shutdown_returned, .a = call, .b = live_coordinator_tasks(*w_.sim)});
  }

  void close_at(std::size_t call, std::int64_t at_ns) {
    w_.rt.sleep_for(nanoseconds(at_ns));
    w_.note({.kind = fact_kind::close_called, .a = call});
    coord_.close();
  }

  void stop_runtime_at(std::int64_t at_ns) {
    w_.rt.sleep_for(nanoseconds(at_ns));
    w_.note({.kind = fact_kind::runtime_stopped});
    w_.rt.stop_unstarted_streams();
  }

  /// Joins the holder tasks the writers started.
  void join_holders() {
    for (std::size_t i = 0; i < holders_.size(); ++i) holders_[i].join();  // may grow meanwhile
  }

  /// Waits on every kept ticket and reports what it read.
  void read_tickets() {
    for (std::size_t i = 0; i < kept_.size(); ++i) {  // holders may still add
      const auto seq = kept_[i].seq;
      const ticket t = kept_[i].t;
      if (kept_[i].async && read_async(seq, t, kept_[i].cancel_ns)) continue;
      const auto r = t.wait();
      w_.note({.kind = fact_kind::ticket_read, .seq = seq, .a = r.ok() ? a_.key(r.value()) : 0, .ok = r.ok(),
               .code = r.ok() ? errc::shut_down : r.error().code});
    }
  }

 private:
  using permit = typename coordinator_type::permit;
  using ticket = typename coordinator_type::ticket_type;
  using snapshot_id = typename engine::snapshot_id;

  auto stream_for(std::size_t i) {
    return [w = &w_, a = &a_, i](const typename engine::rotated_state& state,
                                 std::stop_token stop) -> result<typename engine::outcome> {
      const flush_plan& plan = w->plan(i);
      const nanoseconds runs(stream_duration_ns(plan, w->sc->stream_timeout_ns));
      switch (plan.what) {
        case fault::stream_error:
          w->rt.sleep_for(nanoseconds(plan.stream_ns), stop);
          return stream_error("injected stream error");
        case fault::stream_throw:
          w->rt.sleep_for(nanoseconds(plan.stream_ns), stop);
          throw std::runtime_error("injected stream throw");
        case fault::stream_throw_int:
          w->rt.sleep_for(nanoseconds(plan.stream_ns), stop);
          throw 42;
        case fault::stream_throw_user:
          w->rt.sleep_for(nanoseconds(plan.stream_ns), stop);
          throw injected_user_error{};
        case fault::stream_hang:         // ignores the stop request for a long while
        case fault::stream_at_deadline:  // returns at the very instant its timeout fires
          return produce_then_sleep(*w, *a, i, state, stop, runs, false);
        default:  // stream_stall runs past its timeout but honours the stop, as all others do
          return produce_then_sleep(*w, *a, i, state, stop, runs, true);
      }
    };
  }

  /// Returns false once the coordinator refuses (it is shut down).
  bool write_one(std::uint32_t who, std::size_t i) {
    const flush_plan& plan = w_.plan(i);
    if (plan.drop_permit_first) {
      // Taken and dropped unused: it must come back at once.
      auto unused = acquire(who, acquire_form::try_once, 0);
      if (!unused && unused.error().code == errc::shut_down) return false;
    }
    std::optional<permit> p;
    errc why = errc::no_permit;
    if (plan.commit_path)
      p = permit_on_commit_path(who, plan, why);
    else
      p = permit_on_explicit_path(who, plan, why);
    if (!p) return why != errc::shut_down;  // a timed-out or cancelled acquire skips only this flush
    // Under the flush lock: the engine's rotate step, then the coordinator's.
    w_.flush_lock.lock();
    if (plan.engine_ns > 0) w_.rt.sleep_for(nanoseconds(plan.engine_ns));
    if (plan.what == fault::rotate_error) {
      w_.flush_lock.unlock();
      return true;  // the permit goes back as `p` is destroyed; no seq taken
    }
    auto rotated = coord_.rotate(std::move(*p), a_.rotated_state_for(i));
    w_.flush_lock.unlock();
    if (!rotated) {
      w_.note({.kind = fact_kind::rotate_refused, .a = i, .ok = false, .code = rotated.error().code});
      return false;
    }
    w_.note({.kind = fact_kind::flush_rotated, .seq = rotated.value().seq(), .a = i});
    if (plan.hold_ns >= 0) {
      holders_.push_back(w_.rt.spawn("holder",
                                     [this, i, rf = std::move(rotated).value()]() mutable {
                                       w_.rt.sleep_for(nanoseconds(w_.plan(i).hold_ns));
                                       submit(i, std::move(rf));
                                     }));
      return true;
    }
    submit(i, std::move(rotated).value());
    return true;
  }

  /// Reads `t` by async_wait, optionally cancelled after `cancel_ns`. False
  /// if it did not end with the outcome (cancelled, or its completion was
  /// dropped): the caller then reads it with wait(), as the ticket stays valid.
  bool read_async(std::uint64_t seq, const ticket& t, std::int64_t cancel_ns) {
    auto slot = std::make_shared<async_slot<result<snapshot_id>>>();
    std::stop_source stop;
    t.async_wait(fill_slot<result<snapshot_id>>(slot), stop.get_token());
    lock_guard lk(slot->m);
    const bool got = slot->wait(w_.rt, cancel_ns, [&] {
      w_.note({.kind = fact_kind::ticket_cancel_requested, .seq = seq});
      stop.request_stop();
    });
    if (!got) return false;
    const auto& r = *slot->value;
    if (!r.ok() && r.error().code == errc::cancelled) {
      w_.note({.kind = fact_kind::ticket_wait_cancelled, .seq = seq});
      return false;
    }
    w_.note({.kind = fact_kind::ticket_read, .seq = seq, .a = r.ok() ? a_.key(r.value()) : 0, .b = 1, .ok = r.ok(),
             .code = r.ok() ? errc::shut_down : r.error().code});
    return true;
  }

  /// async_acquire_permit, waited for as a suspended writer would be, with
  /// an optional stop request after `cancel_ns`.
  result<permit> acquire_async(std::uint32_t who, std::int64_t cancel_ns) {
    const auto form = static_cast<std::uint64_t>(acquire_form::async);
    w_.note({.kind = fact_kind::acquire_called, .a = who, .b = form, .c = static_cast<std::uint64_t>(cancel_ns)});
    auto slot = std::make_shared<async_slot<result<permit>>>();
    std::stop_source stop;
    coord_.async_acquire_permit(fill_slot<result<permit>>(slot), stop.get_token());
    lock_guard lk(slot->m);
    const bool got = slot->wait(w_.rt, cancel_ns, [&] {
      w_.note({.kind = fact_kind::acquire_cancel_requested, .a = who});
      stop.request_stop();
    });
    result<permit> p = got ? std::move(*slot->value)
                           : result<permit>(flush_error::make(errc::never_ran, std::nullopt,
                                                              "the completion was destroyed unrun"));
    lk.unlock();
    w_.note({.kind = fact_kind::acquire_returned, .a = who, .b = form, .c = static_cast<std::uint64_t>(cancel_ns),
             .ok = p.ok(), .code = p.ok() ? errc::shut_down : p.error().code});
    return p;
  }

  /// One acquire call of the given form, with its call and result as facts.
  result<permit> acquire(std::uint32_t who, acquire_form form, std::int64_t timeout_ns) {
    const auto c = static_cast<std::uint64_t>(timeout_ns);
    w_.note({.kind = fact_kind::acquire_called, .a = who, .b = static_cast<std::uint64_t>(form), .c = c});
    result<permit> p = form == acquire_form::blocking   ? coord_.acquire_permit()
                       : form == acquire_form::try_once ? coord_.try_acquire_permit()
                                                        : coord_.acquire_permit_for(nanoseconds(timeout_ns));
    w_.note({.kind = fact_kind::acquire_returned, .a = who, .b = static_cast<std::uint64_t>(form), .c = c,
             .ok = p.ok(), .code = p.ok() ? errc::shut_down : p.error().code});
    return p;
  }

  /// Commit path: try-acquire under the lock; if full, wait outside it.
  std::optional<permit> permit_on_commit_path(std::uint32_t who, const flush_plan& plan, errc& why) {
    w_.flush_lock.lock();
    auto p = acquire(who, acquire_form::try_once, 0);
    w_.flush_lock.unlock();
    if (p) return std::move(p).value();
    why = p.error().code;
    if (why != errc::no_permit) return std::nullopt;
    return permit_on_explicit_path(who, plan, why);
  }

  /// Explicit path: block (or wait a bounded time) for a permit before
  /// taking the lock.
  std::optional<permit> permit_on_explicit_path(std::uint32_t who, const flush_plan& plan, errc& why) {
    auto p = plan.acquire_async             ? acquire_async(who, plan.acquire_cancel_ns)
             : plan.acquire_timeout_ns > 0 ? acquire(who, acquire_form::timed, plan.acquire_timeout_ns)
                                           : acquire(who, acquire_form::blocking, 0);
    if (!p) {
      why = p.error().code;
      return std::nullopt;
    }
    return std::move(p).value();
  }

  void submit(std::size_t i, typename coordinator_type::rotated_flush rf) {
    const flush_plan& plan = w_.plan(i);
    const std::uint64_t seq = rf.seq();
    std::optional<ticket> t;
    if (plan.what == fault::abandon) {
      return;  // rf is destroyed unsubmitted
    } else if (plan.what == fault::inline_submit) {
      auto out = produce_then_sleep(w_, a_, i, rf.payload(), {}, nanoseconds(plan.stream_ns), false);
      t = coord_.submit(std::move(rf), std::move(out));
    } else if (plan.what == fault::inline_error) {
      w_.rt.sleep_for(nanoseconds(plan.stream_ns));
      t = coord_.submit(std::move(rf), stream_error("injected inline stream error"));
    } else if (plan.what == fault::engine_error) {
      // The engine's own step after rotate() (say, switching the WAL) failed.
      t = coord_.submit(std::move(rf), engine_error("injected engine rotate step failure"));
    } else {
      t = coord_.spawn_stream(std::move(rf), stream_for(i));
    }
    use_ticket(seq, plan, std::move(*t));
  }

  /// The ticket forms the plan asks for, each reported as a fact.
  void use_ticket(std::uint64_t seq, const flush_plan& plan, ticket t) {
    if (plan.ticket_poll) {
      const auto r = t.try_get();
      w_.note({.kind = fact_kind::ticket_polled, .seq = seq, .a = r && r->ok() ? a_.key(r->value()) : 0,
               .b = r ? 1u : 0u, .ok = r && r->ok(), .code = r && !r->ok() ? r->error().code : errc::shut_down});
    }
    if (plan.ticket_wait_for_ns > 0) {
      const auto c = static_cast<std::uint64_t>(plan.ticket_wait_for_ns);
      const auto called_at = static_cast<std::uint64_t>(w_.rt.now().count());
      const auto r = t.wait_for(nanoseconds(plan.ticket_wait_for_ns));
      w_.note({.kind = fact_kind::ticket_waited_for, .seq = seq, .a = r.ok() ? a_.key(r.value()) : 0, .b = called_at, .c = c,
               .ok = r.ok(), .code = r.ok() ? errc::shut_down : r.error().code});
    }
    if (plan.drop_ticket) return;
    if (plan.ticket_copy) {
      ticket copy = t;               // two handles on one cell...
      ticket moved = std::move(t);   // ...and the original emptied into a third
      if (t.valid()) w_.sim->fail(sim::failure_class::property, "[tickets] a moved-from ticket is still valid");
      kept_.push_back({seq, std::move(copy), plan.ticket_async, plan.ticket_cancel_ns});
      kept_.push_back({seq, std::move(moved), false, 0});
      return;
    }
    kept_.push_back({seq, std::move(t), plan.ticket_async, plan.ticket_cancel_ns});
  }

  /// A ticket the writer keeps for the final read, and how it reads it.
  struct kept_ticket {
    std::uint64_t seq;
    ticket t;
    bool async = false;
    std::int64_t cancel_ns = 0;
  };

  model_world& w_;
  Adapter& a_;
  coordinator_type& coord_;
  std::vector<kept_ticket> kept_;
  std::vector<sim::task_handle> holders_;
};

inline options coordinator_options(const scenario& sc) {
  options o;
  o.max_pending_flushes = sc.max_pending;
  if (sc.stream_timeout_ns) o.stream_timeout = nanoseconds(*sc.stream_timeout_ns);
  return o;
}

/// Destroys the coordinator with work possibly in flight and checks that
/// the destructor did not wait: no virtual time may pass inside it (§2.4).
template <class Coordinator>
void close_by_destruction(model_world& w, std::optional<Coordinator>& coord) {
  const auto before = w.rt.now();
  coord.reset();
  const auto blocked = w.rt.now() - before;
  if (blocked.count() != 0)
    w.sim->fail(sim::failure_class::property,
                "[close] destroying the coordinator blocked for " + std::to_string(blocked.count()) + "ns");
}

/// The run's main task.
template <class Adapter>
void run_main(model_world& w, Adapter& a) {
  const scenario& sc = *w.sc;
  using coordinator_type = typename workload<Adapter>::coordinator_type;
  std::optional<coordinator_type> coord;
  coord.emplace(w.rt, a.make_engine(), coordinator_options(sc));
  workload<Adapter> load(w, a, *coord);
  a.started();
  std::vector<sim::task_handle> helpers;
  std::vector<sim::task_handle> writers;
  for (std::uint32_t k = 0; k < sc.writers; ++k)
    writers.push_back(w.rt.spawn("writer", [&, k] { load.write(k); }));
  for (std::size_t i = 0; i < sc.drains.size(); ++i)
    helpers.push_back(w.rt.spawn("drain", [&, i] { load.drain(i); }));
  for (std::size_t i = 0; i < sc.shutdowns.size(); ++i)
    helpers.push_back(w.rt.spawn("shutdown",
                                 [&, i] { load.shutdown_at(i, sc.shutdowns[i].at_ns); }));
  for (std::size_t i = 0; i < sc.closes.size(); ++i)
    helpers.push_back(w.rt.spawn("close", [&, i] { load.close_at(i, sc.closes[i].at_ns); }));
  if (sc.runtime_stop_at_ns)
    helpers.push_back(w.rt.spawn("runtime-stop",
                                 [&] { load.stop_runtime_at(*sc.runtime_stop_at_ns); }));
  for (auto& h : writers) h.join();
  // Liveness mode (liveness.hpp): the fault-free phase starts now.
  std::optional<liveness_watch> live;
  if (sc.liveness_bound_ns > 0) {
    live.emplace(w, liveness_deadline_ns(sc, w.rt.now().count()));
    live->check_drain(coord->drain(nanoseconds(sc.liveness_bound_ns)));
  }
  if (sc.close_early) {
    for (auto& h : helpers) h.join();
    load.join_holders();
    if (live) live->finished();
    a.stopping();
    close_by_destruction(w, coord);
    load.read_tickets();  // tickets outlive the coordinator
    return;  // the end state is judged from the events alone
  }
  load.join_holders();
  load.read_tickets();
  for (auto& h : helpers) h.join();
  load.shutdown(sc.shutdowns.size());  // the engine's own final shutdown
  if (live) live->finished();
  a.stopping();
  w.end = end_state{coord->pending_count(), coord->permits_available(), coord->failed_count(),
                    coord->last_failure()};
}

}  // namespace workload_detail

/// Runs `sc` on `sim` with the engine of the adapter that
/// `make_adapter(model_world&)` returns (made before the run, kept until
/// after it). Every property is checked; never throws for a failure of the run.
template <class MakeAdapter>
scenario_outcome run_workload(const scenario& sc, sim::simulator& sim, MakeAdapter&& make_adapter) {
  checker_set checks(run_facts{sc.max_pending, sc.flushes.size(), sc.stream_timeout_ns, &sc},
                     [&sim](std::string_view property, const std::string& message) {
                       sim.fail(sim::failure_class::property,
                                "[" + std::string(property) + "] " + message);
                     });
  model_world w;
  w.sim = &sim;
  w.rt = sim::runtime(sim);
  w.sc = &sc;
  w.checks = &checks;
  auto adapter = make_adapter(w);
  scenario_outcome out;
  out.run = sim.run([&w, &adapter] { workload_detail::run_main(w, adapter); });
  if (out.run.ok()) {
    // End-of-run checks run after every task has finished: quiescence.
    adapter.finished();
    checks.finish(w.end.value_or(end_state{}));
    if (const auto& v = checks.first_violation())
      out.run.failed = sim::failure{sim::failure_class::property, "[" + v->property + "] " + v->message, ""};
  }
  out.violated = checks.first_violation();
  out.facts = checks.facts_seen();
  return out;
}

}  // namespace flushcoord::properties

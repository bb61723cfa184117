#include "flushcoord/properties/run_scenario.hpp"

#include <chrono>
#include <stdexcept>
#include <vector>

#include "flushcoord/properties/liveness.hpp"
#include "flushcoord/properties/model_engine.hpp"

namespace flushcoord::properties {

namespace {

using std::chrono::nanoseconds;

class workload {
 public:
  workload(model_world& w, model_coordinator& coord) : w_(w), coord_(coord) {}

  /// The writer: rotates and submits every planned flush, keeps the tickets
  /// the plan does not drop. Stops early once the coordinator refuses.
  void write() {
    for (std::size_t i = 0; i < w_.sc->flushes.size(); ++i) {
      if (w_.sc->writer_gap_ns > 0) w_.rt.sleep_for(nanoseconds(w_.sc->writer_gap_ns));
      if (!write_one(i)) return;
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

  void stop_runtime_at(std::int64_t at_ns) {
    w_.rt.sleep_for(nanoseconds(at_ns));
    w_.rt.stop_unstarted_streams();
  }

  /// Waits on every kept ticket and reports what it read.
  void read_tickets() {
    for (auto& [seq, t] : kept_) {
      const auto r = t.wait();
      w_.note({.kind = fact_kind::ticket_read, .seq = seq, .a = r.ok() ? r.value() : 0, .ok = r.ok(),
               .code = r.ok() ? errc::shut_down : r.error().code});
    }
  }

 private:
  using permit = model_coordinator::permit;

  auto stream_for(std::size_t i) {
    return [w = &w_, i](const model_engine::rotated_state&,
                        std::stop_token stop) -> result<model_engine::outcome> {
      const flush_plan& plan = w->plan(i);
      const std::int64_t timeout = w->sc->stream_timeout_ns.value_or(0);
      switch (plan.what) {
        case fault::stream_error:
          w->rt.sleep_for(nanoseconds(plan.stream_ns), stop);
          return stream_error("injected stream error");
        case fault::stream_throw:
          w->rt.sleep_for(nanoseconds(plan.stream_ns), stop);
          throw std::runtime_error("injected stream throw");
        case fault::stream_stall:  // runs past its timeout, but honours the stop
          w->rt.sleep_for(nanoseconds(2 * timeout + plan.stream_ns), stop);
          break;
        case fault::stream_hang:  // ignores the stop request for a long while
          w->rt.sleep_for(nanoseconds(3 * timeout + plan.stream_ns));
          break;
        default:
          w->rt.sleep_for(nanoseconds(plan.stream_ns), stop);
          break;
      }
      return model_engine::outcome{i + 1};
    };
  }

  /// Returns false once the coordinator refuses (it is shut down).
  bool write_one(std::size_t i) {
    const flush_plan& plan = w_.plan(i);
    std::optional<permit> p = plan.commit_path ? permit_on_commit_path() : permit_on_explicit_path();
    if (!p) return false;
    // Under the flush lock: the engine's rotate step, then the coordinator's.
    w_.flush_lock.lock();
    if (plan.what == fault::rotate_error) {
      w_.flush_lock.unlock();
      return true;  // the permit goes back as `p` is destroyed; no seq taken
    }
    auto rotated = coord_.rotate(std::move(*p), model_engine::rotated_state{i});
    w_.flush_lock.unlock();
    if (!rotated) return false;
    submit(i, std::move(rotated).value());
    return true;
  }

  /// Commit path: try-acquire under the lock; if full, wait outside it.
  std::optional<permit> permit_on_commit_path() {
    w_.flush_lock.lock();
    auto p = coord_.try_acquire_permit();
    w_.flush_lock.unlock();
    if (p) return std::move(p).value();
    if (p.error().code != errc::no_permit) return std::nullopt;
    return permit_on_explicit_path();
  }

  /// Explicit path: block for a permit before taking the lock.
  std::optional<permit> permit_on_explicit_path() {
    auto p = coord_.acquire_permit();
    if (!p) return std::nullopt;
    return std::move(p).value();
  }

  void submit(std::size_t i, model_coordinator::rotated_flush rf) {
    const flush_plan& plan = w_.plan(i);
    const std::uint64_t seq = rf.seq();
    std::optional<model_coordinator::ticket_type> t;
    if (plan.what == fault::abandon) {
      return;  // rf is destroyed unsubmitted
    } else if (plan.what == fault::inline_submit) {
      w_.rt.sleep_for(nanoseconds(plan.stream_ns));
      t = coord_.submit(std::move(rf), model_engine::outcome{i + 1});
    } else {
      t = coord_.spawn_stream(std::move(rf), stream_for(i));
    }
    if (!plan.drop_ticket) kept_.emplace_back(seq, std::move(*t));
  }

  model_world& w_;
  model_coordinator& coord_;
  std::vector<std::pair<std::uint64_t, model_coordinator::ticket_type>> kept_;
};

options coordinator_options(const scenario& sc) {
  options o;
  o.max_pending_flushes = sc.max_pending;
  if (sc.stream_timeout_ns) o.stream_timeout = nanoseconds(*sc.stream_timeout_ns);
  return o;
}

/// Destroys the coordinator with work possibly in flight and checks that
/// the destructor did not wait: no virtual time may pass inside it (§2.4).
void close_by_destruction(model_world& w, std::optional<model_coordinator>& coord) {
  const auto before = w.rt.now();
  coord.reset();
  const auto blocked = w.rt.now() - before;
  if (blocked.count() != 0)
    w.sim->fail(sim::failure_class::property,
                "[close] destroying the coordinator blocked for " + std::to_string(blocked.count()) + "ns");
}

/// The run's main task.
void run_main(model_world& w) {
  const scenario& sc = *w.sc;
  std::optional<model_coordinator> coord;
  coord.emplace(w.rt, model_engine(w), coordinator_options(sc));
  workload load(w, *coord);
  std::vector<sim::task_handle> helpers;
  auto writer = w.rt.spawn(task_kind::finalizer, "writer", [&] { load.write(); });
  for (std::size_t i = 0; i < sc.drains.size(); ++i)
    helpers.push_back(w.rt.spawn(task_kind::finalizer, "drain", [&, i] { load.drain(i); }));
  for (std::size_t i = 0; i < sc.shutdowns.size(); ++i)
    helpers.push_back(w.rt.spawn(task_kind::finalizer, "shutdown",
                                 [&, i] { load.shutdown_at(i, sc.shutdowns[i].at_ns); }));
  if (sc.runtime_stop_at_ns)
    helpers.push_back(w.rt.spawn(task_kind::finalizer, "runtime-stop",
                                 [&] { load.stop_runtime_at(*sc.runtime_stop_at_ns); }));
  writer.join();
  // Liveness mode (liveness.hpp): the fault-free phase starts now.
  std::optional<liveness_watch> live;
  if (sc.liveness_bound_ns > 0) {
    live.emplace(w, liveness_deadline_ns(sc, w.rt.now().count()));
    live->check_drain(coord->drain(nanoseconds(sc.liveness_bound_ns)));
  }
  if (sc.close_early) {
    for (auto& h : helpers) h.join();
    if (live) live->finished();
    close_by_destruction(w, coord);
    load.read_tickets();  // tickets outlive the coordinator
    return;  // the end state is judged from the events alone
  }
  load.read_tickets();
  for (auto& h : helpers) h.join();
  load.shutdown(sc.shutdowns.size());  // the engine's own final shutdown
  if (live) live->finished();
  w.end = end_state{coord->pending_count(), coord->permits_available(), coord->failed_count()};
}

}  // namespace

std::size_t live_coordinator_tasks(const sim::simulator& sim) {
  std::size_t live = 0;
  for (sim::task_id id = 0; id < sim.task_count(); ++id) {
    const sim::task_info t = sim.task(id);
    if (!t.finished && (t.name == "stream" || t.name == "finalizer")) ++live;
  }
  return live;
}

std::string failed_property(const scenario_outcome& out) {
  if (out.run.ok()) return "none";
  if (out.violated) return out.violated->property;
  return std::string(sim::to_string(out.run.failed->what));
}

std::string scenario_outcome::describe() const {
  if (run.ok()) return "ok";
  if (violated) return "property " + violated->property + ": " + violated->message;
  return std::string(sim::to_string(run.failed->what)) + ": " + run.failed->message;
}

scenario_outcome run_scenario(const scenario& sc, sim::simulator& sim) {
  checker_set checks(run_facts{sc.max_pending, sc.flushes.size(), sc.stream_timeout_ns},
                     [&sim](std::string_view property, const std::string& message) {
                       sim.fail(sim::failure_class::property,
                                "[" + std::string(property) + "] " + message);
                     });
  model_world w;
  w.sim = &sim;
  w.rt = sim::runtime(sim);
  w.sc = &sc;
  w.checks = &checks;
  scenario_outcome out;
  out.run = sim.run([&w] { run_main(w); });
  if (out.run.ok()) {
    // End-of-run checks run after every task has finished: quiescence.
    checks.finish(w.end.value_or(end_state{}));
    if (const auto& v = checks.first_violation())
      out.run.failed = sim::failure{sim::failure_class::property, "[" + v->property + "] " + v->message, ""};
  }
  out.violated = checks.first_violation();
  out.facts = checks.facts_seen();
  return out;
}

}  // namespace flushcoord::properties

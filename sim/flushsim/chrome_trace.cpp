// sim/flushsim/chrome_trace.cpp
#include "chrome_trace.hpp"

#include <algorithm>
#include <map>
#include <optional>
#include <vector>

#include "diagnosis.hpp"
#include "flushcoord/properties/scenario.hpp"
#include "replay.hpp"
#include "story.hpp"

namespace flushsim {

namespace fs = flushcoord::sim;
using ek = flushcoord::event_kind;
using nlohmann::json;

namespace {

constexpr int tasks_pid = 1;  // one track per simulated task
constexpr int locks_pid = 2;  // one track per mutex

double micros(std::int64_t ns) { return static_cast<double>(ns) / 1000.0; }

bool is_blocking(fs::event_kind k) {
  switch (k) {
    case fs::event_kind::lock:
    case fs::event_kind::wait:
    case fs::event_kind::wait_until:
    case fs::event_kind::join:
    case fs::event_kind::sleep: return true;
    default: return false;
  }
}

/// A slice open on a track.
struct open_slice {
  std::string name;
  std::int64_t from_ns = 0;
  std::uint64_t step = 0;
  json extra = json::object();  // flow binding
};

/// Per task, while walking the events in order.
struct task_track {
  std::optional<open_slice> life;
  std::optional<open_slice> phase;  // stream run, finalize, drain or shutdown
  std::optional<fs::event> blocked;
  bool woken = false;                 // the open call really blocked
  std::vector<std::uint32_t> held;    // mutexes, in the order taken
};

class exporter {
 public:
  explicit exporter(const fs::trace& t) : t_(t) {}

  json run() {
    start_counters();
    for (std::size_t i = 0; i < t_.events.size(); ++i) on_event(t_.events[i]);
    const std::int64_t end = t_.end_time_ns;
    for (auto& [tid, tr] : tasks_) close_task(tid, tr, end);
    for (auto& [mid, holder] : holders_) close_held(mid, end);
    name_tracks();
    if (t_.failed) mark_failure(end);
    return json{{"traceEvents", std::move(out_)}, {"displayTimeUnit", "ns"}};
  }

 private:
  // ---- events -------------------------------------------------------------

  void on_event(const fs::event& e) {
    if (e.task == fs::no_task) return;  // the scheduler's own: no track
    task_track& tr = tasks_[e.task];
    if (e.kind == fs::event_kind::wake || e.kind == fs::event_kind::timer) {
      if (tr.blocked) tr.woken = true;  // shown by the wait's slice, which stays open
      return;
    }
    if (tr.blocked) close_wait(e.task, tr, e.time.count());
    if (!tr.life) tr.life = open_slice{fs::task_label(t_, e.task), e.time.count(), e.step};
    switch (e.kind) {
      case fs::event_kind::coordinator: return on_coordinator(e, tr);
      case fs::event_kind::note:
        out_.push_back(json{{"name", "note: " + fs::note_text(t_, e)}, {"ph", "i"}, {"s", "t"}, {"pid", tasks_pid},
                            {"tid", e.task}, {"ts", micros(e.time.count())}, {"args", {{"step", e.step}}}});
        return;
      case fs::event_kind::acquire: return take(e.object, e);
      case fs::event_kind::unlock: return release(tr, e.object, e.time.count());
      case fs::event_kind::finish:
      case fs::event_kind::drop: return close_task(e.task, tr, e.time.count());
      default: break;
    }
    if (is_blocking(e.kind)) {
      // A condvar wait gives up the mutex its task took last.
      if ((e.kind == fs::event_kind::wait || e.kind == fs::event_kind::wait_until) && !tr.held.empty())
        release(tr, tr.held.back(), e.time.count());
      tr.blocked = e;
      tr.woken = false;
    }
  }

  void on_coordinator(const fs::event& e, task_track& tr) {
    const auto& c = e.coord;
    out_.push_back(json{{"name", coordinator_phrase(c)}, {"ph", "i"}, {"s", "t"}, {"pid", tasks_pid},
                        {"tid", e.task}, {"ts", micros(e.time.count())}, {"args", {{"step", e.step}}}});
    const std::string seq = std::to_string(c.seq);
    switch (c.kind) {
      case ek::stream_started:
        return open_phase(tr, "flush " + seq + " stream", e, {{"bind_id", c.seq + 1}, {"flow_out", true}});
      case ek::finalize_begin:
        return open_phase(tr, "flush " + seq + (c.ok ? " finalize" : " finalize_failure"), e,
                          {{"bind_id", c.seq + 1}, {"flow_in", true}});
      case ek::drain_begun: return open_phase(tr, "drain", e, json::object());
      case ek::shutdown_begun: return open_phase(tr, "shutdown: joining", e, json::object());
      case ek::stream_returned:
      case ek::stream_lost:
      case ek::finalize_end:
      case ek::drain_returned:
      case ek::shutdown_returning: return close_phase(e.task, tr, e.time.count());
      case ek::rotated:
      case ek::flush_finished: return counter("flushes", "pending", e.time.count(), c.count);
      case ek::permit_acquired:
      case ek::permit_released: return counter("permits", "free", e.time.count(), c.count);
      default: return;
    }
  }

  // ---- slices ---------------------------------------------------------------

  void open_phase(task_track& tr, std::string name, const fs::event& e, json extra) {
    if (tr.phase) return;  // one phase at a time per task; a stray begin is shown as its instant only
    tr.phase = open_slice{std::move(name), e.time.count(), e.step, std::move(extra)};
  }

  void close_phase(fs::task_id tid, task_track& tr, std::int64_t at) {
    if (!tr.phase) return;
    emit_slice(tasks_pid, tid, *tr.phase, at);
    tr.phase.reset();
  }

  void close_wait(fs::task_id tid, task_track& tr, std::int64_t at) {
    const fs::event b = *tr.blocked;
    tr.blocked.reset();
    if (!tr.woken && at == b.time.count()) return;  // it did not block
    const std::string on = fs::object_label(t_, b);
    open_slice s{std::string(fs::to_string(b.kind)) + (on == "-" ? "" : " " + on), b.time.count(), b.step};
    emit_slice(tasks_pid, tid, s, at);
  }

  void close_task(fs::task_id tid, task_track& tr, std::int64_t at) {
    if (tr.blocked) close_wait(tid, tr, at);
    close_phase(tid, tr, at);
    while (!tr.held.empty()) release(tr, tr.held.back(), at);
    if (!tr.life) return;
    emit_slice(tasks_pid, tid, *tr.life, at);
    tr.life.reset();
  }

  void take(std::uint32_t mutex, const fs::event& e) {
    close_held(mutex, e.time.count());  // a holder the log lost track of
    holders_[mutex] = open_slice{"held by " + fs::task_label(t_, e.task), e.time.count(), e.step};
    tasks_[e.task].held.push_back(mutex);
  }

  void release(task_track& tr, std::uint32_t mutex, std::int64_t at) {
    const auto it = std::find(tr.held.begin(), tr.held.end(), mutex);
    if (it == tr.held.end()) return;
    tr.held.erase(it);
    close_held(mutex, at);
  }

  void close_held(std::uint32_t mutex, std::int64_t at) {
    auto it = holders_.find(mutex);
    if (it == holders_.end() || !it->second) return;
    emit_slice(locks_pid, mutex, *it->second, at);
    it->second.reset();
  }

  void emit_slice(int pid, std::uint32_t tid, const open_slice& s, std::int64_t to) {
    json j{{"name", s.name}, {"ph", "X"}, {"pid", pid}, {"tid", tid}, {"ts", micros(s.from_ns)},
           {"dur", micros(std::max<std::int64_t>(0, to - s.from_ns))}, {"args", {{"step", s.step}}}};
    for (const auto& [k, v] : s.extra.items()) j[k] = v;
    out_.push_back(std::move(j));
  }

  // ---- counters, names, the failure -------------------------------------------

  void counter(const char* name, const char* series, std::int64_t at, std::uint64_t value) {
    out_.push_back(json{{"name", name}, {"ph", "C"}, {"pid", tasks_pid}, {"tid", 0}, {"ts", micros(at)},
                        {"args", {{series, value}}}});
  }

  void start_counters() {
    counter("flushes", "pending", 0, 0);
    try {
      counter("permits", "free", 0, flushcoord::properties::parse_scenario(t_.scenario).max_pending);
    } catch (const std::exception&) {
      // A scenario this build cannot read: the counter starts at the first event.
    }
  }

  void name_tracks() {
    const auto meta = [&](const char* what, int pid, std::optional<std::uint32_t> tid, json args) {
      json j{{"name", what}, {"ph", "M"}, {"pid", pid}, {"args", std::move(args)}};
      if (tid) j["tid"] = *tid;
      out_.push_back(std::move(j));
    };
    meta("process_name", tasks_pid, std::nullopt, {{"name", "tasks (seed " + std::to_string(t_.seed) + ")"}});
    meta("process_name", locks_pid, std::nullopt, {{"name", "locks"}});
    for (const auto& [tid, tr] : tasks_) {
      meta("thread_name", tasks_pid, tid, {{"name", fs::task_label(t_, tid)}});
      meta("thread_sort_index", tasks_pid, tid, {{"sort_index", tid}});
    }
    for (const auto& [mid, h] : holders_)
      meta("thread_name", locks_pid, mid, {{"name", fs::object_name(t_, fs::object_type::mutex, mid)}});
  }

  void mark_failure(std::int64_t end) {
    out_.push_back(json{{"name", "FAILURE " + describe_failure(*t_.failed)}, {"ph", "i"}, {"s", "g"},
                        {"pid", tasks_pid}, {"tid", 0}, {"ts", micros(end)},
                        {"args", {{"report", t_.failed->report}}}});
    const diagnosis d = diagnose(t_);
    for (std::size_t i : d.key_events) {
      const fs::event& e = t_.events[i];
      std::string what = e.kind == fs::event_kind::coordinator
                             ? coordinator_phrase(e.coord)
                             : std::string(fs::to_string(e.kind)) + " " + fs::object_label(t_, e);
      if (e.kind == fs::event_kind::wake && e.woken_on == fs::object_type::none) what = "woken by a timer, not a notify";
      out_.push_back(json{{"name", "matters: " + what}, {"ph", "i"}, {"s", "t"}, {"pid", tasks_pid}, {"tid", e.task},
                          {"ts", micros(e.time.count())}, {"args", {{"step", e.step}}}});
    }
  }

  const fs::trace& t_;
  std::map<fs::task_id, task_track> tasks_;                     // ordered: output never depends on hashing
  std::map<std::uint32_t, std::optional<open_slice>> holders_;  // per mutex
  json out_ = json::array();
};

}  // namespace

json chrome_trace(const fs::trace& t) { return exporter(t).run(); }

}  // namespace flushsim

// sim/flushsim/chrome_trace.cpp
#include "chrome_trace.hpp"

#include <map>
#include <optional>

#include "replay.hpp"

namespace flushsim {

namespace fs = flushcoord::sim;
using nlohmann::json;

namespace {

constexpr int pid = 1;  // one process: the simulated run

double micros(std::chrono::nanoseconds t) { return static_cast<double>(t.count()) / 1000.0; }

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

/// Per-task state while walking the events in order.
struct track {
  std::optional<fs::event> born;     // start (or spawn) of its lifetime
  std::optional<fs::event> blocked;  // an open blocking call
  bool woken = false;                // the open call really blocked
};

json slice(const std::string& name, fs::task_id tid, std::chrono::nanoseconds from, std::chrono::nanoseconds to,
           json args) {
  return json{{"name", name}, {"ph", "X"}, {"pid", pid}, {"tid", tid}, {"ts", micros(from)},
              {"dur", micros(to - from)}, {"args", std::move(args)}};
}

std::string event_name(const fs::trace& t, const fs::event& e) {
  const std::string obj = fs::object_label(t, e);
  return obj == "-" ? std::string(fs::to_string(e.kind)) : std::string(fs::to_string(e.kind)) + " " + obj;
}

class exporter {
 public:
  explicit exporter(const fs::trace& t) : t_(t) {}

  json run() {
    for (const fs::event& e : t_.events) on_event(e);
    const std::chrono::nanoseconds end(t_.end_time_ns);
    for (auto& [tid, tr] : tracks_) close_all(tid, tr, end);
    name_tracks();
    if (t_.failed) {
      out_.push_back(json{{"name", describe_failure(*t_.failed)}, {"ph", "i"}, {"s", "g"}, {"pid", pid},
                          {"tid", 0}, {"ts", micros(end)}, {"args", {{"report", t_.failed->report}}}});
    }
    return json{{"traceEvents", std::move(out_)}, {"displayTimeUnit", "ns"}};
  }

 private:
  void on_event(const fs::event& e) {
    track& tr = tracks_[e.task];
    if (tr.blocked && (e.kind == fs::event_kind::wake || e.kind == fs::event_kind::timer)) {
      tr.woken = true;  // shown inside the wait's slice, which stays open
      instant(e);
      return;
    }
    if (tr.blocked) close_wait(e.task, tr, e.time);
    if (!tr.born) tr.born = e;
    if (e.kind == fs::event_kind::finish || e.kind == fs::event_kind::drop) {
      instant(e);
      close_all(e.task, tr, e.time);
      return;
    }
    if (is_blocking(e.kind)) {
      tr.blocked = e;
      tr.woken = false;
      return;
    }
    instant(e);
  }

  void close_wait(fs::task_id tid, track& tr, std::chrono::nanoseconds at) {
    const fs::event b = *tr.blocked;
    tr.blocked.reset();
    if (tr.woken || at > b.time) {
      out_.push_back(slice(event_name(t_, b), tid, b.time, at, json{{"step", b.step}}));
    } else {
      instant(b);  // it did not block: show the call, not a wait
    }
  }

  void close_all(fs::task_id tid, track& tr, std::chrono::nanoseconds at) {
    if (tr.blocked) close_wait(tid, tr, at);
    if (!tr.born) return;
    out_.push_back(slice(fs::task_label(t_, tid), tid, tr.born->time, at, json{{"from_step", tr.born->step}}));
    tr.born.reset();
  }

  void instant(const fs::event& e) {
    out_.push_back(json{{"name", event_name(t_, e)}, {"ph", "i"}, {"s", "t"}, {"pid", pid}, {"tid", e.task},
                        {"ts", micros(e.time)}, {"args", {{"step", e.step}}}});
  }

  void name_tracks() {
    out_.push_back(json{{"name", "process_name"}, {"ph", "M"}, {"pid", pid},
                        {"args", {{"name", "flushcoord simulation, seed " + std::to_string(t_.seed)}}}});
    for (const auto& [tid, tr] : tracks_) {
      out_.push_back(json{{"name", "thread_name"}, {"ph", "M"}, {"pid", pid}, {"tid", tid},
                          {"args", {{"name", fs::task_label(t_, tid)}}}});
      out_.push_back(json{{"name", "thread_sort_index"}, {"ph", "M"}, {"pid", pid}, {"tid", tid},
                          {"args", {{"sort_index", tid}}}});
    }
  }

  const fs::trace& t_;
  std::map<fs::task_id, track> tracks_;  // ordered: output does not depend on hashing
  json out_ = json::array();
};

}  // namespace

json chrome_trace(const fs::trace& t) { return exporter(t).run(); }

}  // namespace flushsim

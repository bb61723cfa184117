// sim/flushsim/diagnosis.cpp
#include "diagnosis.hpp"

#include <algorithm>
#include <cctype>
#include <map>
#include <optional>
#include <set>

#include <fmt/format.h>

#include "story.hpp"

namespace flushsim {

namespace fs = flushcoord::sim;
using ek = flushcoord::event_kind;

namespace {

std::string micros(std::int64_t ns) { return fmt::format("{}.{:03}", ns / 1000, (ns < 0 ? -ns : ns) % 1000); }

/// The numbers that follow `prefix` in `text` ("flush 3" -> 3).
std::vector<std::uint64_t> numbers_after(std::string_view text, std::string_view prefix) {
  std::vector<std::uint64_t> out;
  for (std::size_t at = text.find(prefix); at != std::string_view::npos; at = text.find(prefix, at + 1)) {
    std::size_t p = at + prefix.size();
    if (p >= text.size() || !std::isdigit(static_cast<unsigned char>(text[p]))) continue;
    std::uint64_t v = 0;
    for (; p < text.size() && std::isdigit(static_cast<unsigned char>(text[p])) && v < (1ull << 40); ++p)
      v = v * 10 + static_cast<std::uint64_t>(text[p] - '0');
    out.push_back(v);
  }
  return out;
}

void add_unique(std::vector<std::uint64_t>& v, std::uint64_t x) {
  if (std::find(v.begin(), v.end(), x) == v.end()) v.push_back(x);
}

/// The k-th task named `name` (0-based), in spawn order.
std::optional<fs::task_id> nth_task_named(const fs::trace& t, std::string_view name, std::uint64_t k) {
  for (fs::task_id id = 0; id < t.task_names.size(); ++id)
    if (t.task_names[id] == name && k-- == 0) return id;
  return std::nullopt;
}

/// The task that ran flush `seq`'s stream, if one did.
std::optional<fs::task_id> stream_task_of(const fs::trace& t, std::uint64_t seq) {
  for (const fs::event& e : t.events)
    if (e.kind == fs::event_kind::coordinator && e.coord.kind == ek::stream_started && e.coord.seq == seq) return e.task;
  return std::nullopt;
}

/// Task labels ("stream#5") in `text` that name tasks of the trace.
std::vector<fs::task_id> labels_in(const fs::trace& t, std::string_view text) {
  std::vector<fs::task_id> out;
  for (std::size_t hash = text.find('#'); hash != std::string_view::npos; hash = text.find('#', hash + 1)) {
    std::size_t b = hash;
    while (b > 0 && (std::isalnum(static_cast<unsigned char>(text[b - 1])) || text[b - 1] == '-' || text[b - 1] == '_'))
      --b;
    const auto ids = numbers_after(text.substr(hash), "#");
    if (b == hash || ids.empty()) continue;
    const std::uint64_t id = ids.front();
    if (id < t.task_names.size() && t.task_names[id] == text.substr(b, hash - b))
      out.push_back(static_cast<fs::task_id>(id));
  }
  return out;
}

void name_what_the_message_names(const fs::trace& t, diagnosis& d) {
  const std::string& msg = t.failed->message;
  if (msg.size() > 2 && msg.front() == '[') d.property = msg.substr(1, msg.find(']') - 1);
  for (std::uint64_t seq : numbers_after(msg, "flush ")) add_unique(d.flushes, seq);
  std::sort(d.flushes.begin(), d.flushes.end());
  for (std::uint64_t seq : d.flushes) {
    if (const auto s = stream_task_of(t, seq)) {
      d.tasks.push_back(*s);
      d.named.push_back(fmt::format("flush {} ran in {}", seq, fs::task_label(t, *s)));
    }
  }
  for (const auto& [what, name] : {std::pair{"drain #", "drain"}, std::pair{"shutdown #", "shutdown"}}) {
    for (std::uint64_t k : numbers_after(msg, what)) {
      // The engine's own final shutdown is main's, numbered after the scenario's.
      const auto id = nth_task_named(t, name, k);
      const fs::task_id who = id ? *id : 0;
      d.tasks.push_back(who);
      d.named.push_back(fmt::format("{}{} is {}", what, k, fs::task_label(t, who)));
    }
  }
  for (fs::task_id id : labels_in(t, msg)) d.tasks.push_back(id);
  std::sort(d.tasks.begin(), d.tasks.end());
  d.tasks.erase(std::unique(d.tasks.begin(), d.tasks.end()), d.tasks.end());
}

// ---- Lost wake-ups -----------------------------------------------------------

/// Whether the coordinator, making change `k`, notifies the condvar it
/// named `condvar` (core/: every notify sits next to its event).
bool notifies(std::string_view condvar, ek k) {
  if (condvar == "coordinator.progress")
    return k == ek::flush_finished || k == ek::stream_returned || k == ek::finalizer_exited || k == ek::close_begun;
  if (condvar == "coordinator.permit_freed") return k == ek::permit_released || k == ek::close_begun;
  if (condvar == "coordinator.ticket_ready") return k == ek::ticket_resolved;
  if (condvar == "coordinator.finalizer_work")
    return k == ek::stream_returned || k == ek::submitted || k == ek::abandoned || k == ek::stream_lost ||
           k == ek::stream_spawned || k == ek::close_begun;
  return false;
}

bool is_wait(fs::event_kind k) { return k == fs::event_kind::wait || k == fs::event_kind::wait_until; }

/// The window in which task `w` held no lock between looking at its
/// condition and its last wait: it released the condvar's mutex at
/// `unlock` and took it back at `reacquire`, then waited at `wait`.
struct unlocked_window {
  std::size_t unlock, reacquire, wait;
  std::uint32_t mutex, condvar;
};

/// Task `w`'s last wait, if no notify ended it and an unlocked window
/// precedes it.
std::optional<unlocked_window> window_before_last_wait(const fs::trace& t, fs::task_id w) {
  const auto& ev = t.events;
  std::optional<std::size_t> wait;
  for (std::size_t i = 0; i < ev.size(); ++i)
    if (ev[i].task == w && is_wait(ev[i].kind)) wait = i;
  if (!wait) return std::nullopt;
  for (std::size_t i = *wait + 1; i < ev.size(); ++i)  // notified: not lost
    if (ev[i].task == w && ev[i].kind == fs::event_kind::wake) {
      if (ev[i].woken_on == fs::object_type::condvar) return std::nullopt;
      break;
    }
  std::optional<std::size_t> acquire;  // the mutex the wait releases
  for (std::size_t i = *wait; i-- > 0;) {
    if (ev[i].task != w) continue;
    if (is_wait(ev[i].kind)) return std::nullopt;  // it waited again since
    if (ev[i].kind == fs::event_kind::acquire && !acquire) {
      acquire = i;
    } else if (ev[i].kind == fs::event_kind::unlock && acquire && ev[i].object == ev[*acquire].object) {
      return unlocked_window{i, *acquire, *wait, ev[i].object, ev[*wait].object};
    }
  }
  return std::nullopt;
}

/// The last change made by another task inside `win` that should have
/// woken the waiter: a coordinator event that notifies its condvar, or a
/// plain notify of it.
std::optional<std::size_t> missed_change(const fs::trace& t, fs::task_id w, const unlocked_window& win) {
  const std::string condvar = fs::object_name(t, fs::object_type::condvar, win.condvar);
  std::optional<std::size_t> found;
  for (std::size_t i = win.unlock + 1; i < win.reacquire; ++i) {
    const fs::event& e = t.events[i];
    if (e.task == w) continue;
    const bool notify = (e.kind == fs::event_kind::notify_one || e.kind == fs::event_kind::notify_all) &&
                        e.object == win.condvar;
    if (notify || (e.kind == fs::event_kind::coordinator && notifies(condvar, e.coord.kind))) found = i;
  }
  return found;
}

std::string change_phrase(const fs::trace& t, const fs::event& e) {
  if (e.kind == fs::event_kind::coordinator) return coordinator_phrase(e.coord);
  return fmt::format("{} of {}", fs::to_string(e.kind), fs::object_label(t, e));
}

void find_lost_wakeups(const fs::trace& t, diagnosis& d) {
  for (fs::task_id w = 0; w < t.task_names.size(); ++w) {
    const auto win = window_before_last_wait(t, w);
    if (!win) continue;
    const auto change = missed_change(t, w, *win);
    if (!change) continue;
    const fs::event& c = t.events[*change];
    const std::string who = fs::task_label(t, w);
    const std::string cv = fs::object_name(t, fs::object_type::condvar, win->condvar);
    const std::string m = fs::object_name(t, fs::object_type::mutex, win->mutex);
    std::string end = "no notify came after that: it was never woken";
    for (std::size_t i = win->wait + 1; i < t.events.size(); ++i)
      if (t.events[i].task == w && t.events[i].kind == fs::event_kind::wake) {
        end = fmt::format("no notify came after that: only its deadline woke it, at {} µs",
                          micros(t.events[i].time.count()));
        d.key_events.push_back(i);
        break;
      }
    const bool counted = cv.rfind("coordinator.", 0) == 0 && c.kind == fs::event_kind::coordinator;
    const auto step = [&](std::size_t i) { return fmt::format("step {:<4}", t.events[i].step); };
    d.findings.push_back(fmt::format(
        "lost wake-up on {}:\n"
        "  {} {} released {} without waiting\n"
        "  {} {}: {}, while {} was not waiting{}\n"
        "  {} {} took {} back and waited on {}\n"
        "  {}",
        cv, step(win->unlock), who, m, step(*change), fs::task_label(t, c.task), change_phrase(t, c), who,
        counted ? " (the coordinator notifies only the waiters it counted: none)" : "", step(win->wait), who, m, cv,
        end));
    d.key_events.insert(d.key_events.end(), {win->unlock, win->reacquire, *change, win->wait});
    d.tasks.push_back(w);
  }
}

// ---- Wait-for cycles -----------------------------------------------------------

/// Edges "A waits on X held by B" / "A waits on join of B" of the report.
struct wait_edge {
  std::string from, on, to;
};

std::vector<wait_edge> report_edges(const std::string& report) {
  std::vector<wait_edge> edges;
  std::size_t pos = 0;
  while (pos < report.size()) {
    std::size_t end = report.find('\n', pos);
    if (end == std::string::npos) end = report.size();
    const std::string line = report.substr(pos, end - pos);
    pos = end + 1;
    const std::size_t colon = line.find(": waits on ");
    if (colon == std::string::npos) continue;
    std::string from = line.substr(0, colon);
    from.erase(0, from.find_first_not_of(' '));
    from = from.substr(0, from.find(' '));
    const std::string rest = line.substr(colon + 11);
    if (const std::size_t held = rest.find(" held by "); held != std::string::npos)
      edges.push_back({from, rest.substr(0, held), rest.substr(held + 9)});
    else if (rest.rfind("join of ", 0) == 0)
      edges.push_back({from, "the end of", rest.substr(8)});
  }
  return edges;
}

void find_cycle(const fs::trace& t, diagnosis& d) {
  const auto edges = report_edges(t.failed->report);
  std::map<std::string, const wait_edge*> next;
  for (const auto& e : edges) next.emplace(e.from, &e);
  for (const auto& start : edges) {
    std::vector<const wait_edge*> path;
    std::set<std::string> seen;
    for (const wait_edge* e = &start; e != nullptr && !seen.count(e->from);) {
      seen.insert(e->from);
      path.push_back(e);
      const auto it = next.find(e->to);
      e = it == next.end() ? nullptr : it->second;
      if (e != nullptr && e->from == start.from) {
        std::string s = "wait-for cycle: ";
        for (std::size_t i = 0; i < path.size(); ++i) {
          const wait_edge& p = *path[i];
          s += fmt::format("{}{} waits on {} {}", i ? ", " : "", p.from,
                           p.on == "the end of" ? p.on : p.on + " held by", p.to);
          for (fs::task_id id : labels_in(t, p.from)) d.tasks.push_back(id);
        }
        d.findings.push_back(s + ".");
        return;
      }
    }
  }
}

// ---- Waits on a ticket that cannot come -------------------------------------

/// A task left waiting on coordinator.ticket_ready while some flush
/// finished without its ticket being resolved: nobody will notify it.
void find_unresolved_tickets(const fs::trace& t, diagnosis& d) {
  const std::string& report = t.failed->report;
  const std::string wait = ": waits on coordinator.ticket_ready";
  std::vector<std::string> waiters;
  for (std::size_t at = report.find(wait); at != std::string::npos; at = report.find(wait, at + 1)) {
    const std::size_t line = report.rfind('\n', at) + 1;  // npos + 1 == 0
    std::string who = report.substr(line, at - line);
    who.erase(0, who.find_first_not_of(' '));
    waiters.push_back(who.substr(0, who.find(' ')));
  }
  if (waiters.empty()) return;
  std::map<std::uint64_t, std::size_t> finished;  // seq -> its flush_finished event
  std::set<std::uint64_t> resolved;
  for (std::size_t i = 0; i < t.events.size(); ++i) {
    const fs::event& e = t.events[i];
    if (e.kind != fs::event_kind::coordinator) continue;
    if (e.coord.kind == ek::flush_finished) finished.emplace(e.coord.seq, i);
    if (e.coord.kind == ek::ticket_resolved) resolved.insert(e.coord.seq);
  }
  for (const auto& [seq, i] : finished) {
    if (resolved.count(seq)) continue;
    std::string names;
    for (const auto& w : waiters) names += (names.empty() ? "" : ", ") + w;
    d.findings.push_back(fmt::format("{} wait{} on coordinator.ticket_ready, but flush {} finished at step {} without "
                                     "its ticket being resolved: no notify will come.",
                                     names, waiters.size() == 1 ? "s" : "", seq, t.events[i].step));
    d.key_events.push_back(i);
    add_unique(d.flushes, seq);
  }
  std::sort(d.flushes.begin(), d.flushes.end());
}

}  // namespace

diagnosis diagnose(const fs::trace& t) {
  diagnosis d;
  if (!t.failed) return d;
  name_what_the_message_names(t, d);
  find_lost_wakeups(t, d);
  find_cycle(t, d);
  find_unresolved_tickets(t, d);
  std::sort(d.tasks.begin(), d.tasks.end());
  d.tasks.erase(std::unique(d.tasks.begin(), d.tasks.end()), d.tasks.end());
  std::sort(d.key_events.begin(), d.key_events.end());
  d.key_events.erase(std::unique(d.key_events.begin(), d.key_events.end()), d.key_events.end());
  return d;
}

}  // namespace flushsim

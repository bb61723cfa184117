// sim/src/report.cpp — what each task is doing, for failure reports.
#include <fmt/format.h>

#include "flushcoord/sim/simulator.hpp"

namespace flushcoord::sim {

std::string simulator::describe_wait(const detail::task& t) const {
  if (t.finished) return "finished";
  if (!t.started) return t.dropped ? "not started (will be dropped)" : "not started";
  const std::uint32_t obj = t.wait_object;
  switch (t.waiting) {
    case detail::wait_kind::none:
      return t.runnable ? "runnable" : "running";
    case detail::wait_kind::mutex: {
      const task_id owner = mutexes_[obj - 1].owner;
      const std::string m = object_label(object_type::mutex, obj);
      if (owner == no_task) return fmt::format("waits on {} (free)", m);
      return fmt::format("waits on {} held by {}", m, task_label(owner));
    }
    case detail::wait_kind::condvar:
      return fmt::format("waits on {}", object_label(object_type::condvar, obj));
    case detail::wait_kind::condvar_timed:
      return fmt::format("waits on {} until {}ns", object_label(object_type::condvar, obj),
                         t.wait_deadline.count());
    case detail::wait_kind::join:
      return fmt::format("waits on join of {}", task_label(obj));
    case detail::wait_kind::sleep:
      return fmt::format("sleeps until {}ns", t.wait_deadline.count());
  }
  return "?";
}

std::string simulator::task_table() const {
  std::string out;
  for (std::size_t i = 0; i < task_count_; ++i) {
    if (entries_[i].rec == nullptr || entries_[i].rec->finished) continue;
    const detail::task& t = *entries_[i].rec;
    fmt::format_to(std::back_inserter(out), "  {} ({}): {}\n", task_label(t.id), task_role(t.id),
                   describe_wait(t));
  }
  return out;
}

}  // namespace flushcoord::sim

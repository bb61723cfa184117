// sim/flushsim/diagnosis.hpp — what a failed trace's failure is about.
//
// From the failure's message and the event log alone (no re-run):
//   - the property it violated, and the flushes and tasks it names
//     ("flush 3", "drain #0" = the first task named drain, "stream#5");
//   - a lost wake-up: a task whose last condvar wait was never ended by a
//     notify, that had released the condvar's mutex after it last looked
//     and took it back only to wait, while another task made the change it
//     waits for (a coordinator event that notifies that condvar, or a
//     notify of it) in that window;
//   - a wait-for cycle among the tasks a deadlock report lists.
// Each finding is a sentence; the events that matter are listed so that
// `flushsim show` can mark them in its timeline.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>
#include <vector>

#include "flushcoord/sim/trace.hpp"

namespace flushsim {

struct diagnosis {
  std::string property;                      ///< the violated property, or empty
  std::vector<std::uint64_t> flushes;        ///< flush seqs the failure names, ascending
  std::vector<flushcoord::sim::task_id> tasks;  ///< tasks it names, ascending
  std::vector<std::string> named;            ///< "drain #0 is drain#3", "flush 2 ran in stream#6"
  std::vector<std::string> findings;         ///< sentences: lost wake-up, wait-for cycle
  std::vector<std::size_t> key_events;       ///< indices in trace::events that matter, ascending
};

/// Requires: t.failed. Never throws for an odd trace: what it cannot
/// work out is left out.
diagnosis diagnose(const flushcoord::sim::trace& t);

}  // namespace flushsim

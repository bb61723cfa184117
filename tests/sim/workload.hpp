// A small contended workload shared by the determinism and failure tests.
#pragma once

#include <vector>

#include "flushcoord/sim/runtime.hpp"

namespace sim_test {

/// Four tasks contending on two mutexes and a condvar, with sleeps: enough
/// choice points that different seeds give different schedules. Appends the
/// order in which tasks entered the critical section to `order`.
inline void contended(std::vector<int>& order) {
  namespace fs = flushcoord::sim;
  fs::runtime rt;
  fs::mutex m1, m2;
  fs::condvar cv;
  int done = 0;
  std::vector<fs::task_handle> tasks;
  for (int i = 0; i < 4; ++i) {
    tasks.push_back(rt.spawn(flushcoord::task_kind::stream, "worker", [&, i] {
      for (int k = 0; k < 3; ++k) {
        m1.lock();
        order.push_back(i);
        m1.unlock();
        rt.sleep_for(std::chrono::nanoseconds(i + 1));
        m2.lock();
        ++done;
        cv.notify_all();
        m2.unlock();
      }
    }));
  }
  m2.lock();
  while (done < 12) cv.wait(m2);
  m2.unlock();
  for (auto& t : tasks) t.join();
}

}  // namespace sim_test

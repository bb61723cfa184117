// sim/flushsim/subject.cpp
#include "subject.hpp"

#include <utility>

namespace flushsim {

namespace {
subject& the_subject() {
  static subject s;
  return s;
}
}  // namespace

const subject& current_subject() noexcept { return the_subject(); }

void set_subject(subject s) { the_subject() = std::move(s); }

flushcoord::properties::scenario_outcome run_subject(const flushcoord::properties::scenario& sc,
                                                     flushcoord::sim::simulator& sim) {
  return current_subject().run(sc, sim);
}

}  // namespace flushsim

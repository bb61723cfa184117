// testing/src/main.cpp — testing::main: flushsim's CLI over a user's engine.
#include "flushcoord/testing/main.hpp"

#include "cli.hpp"
#include "subject.hpp"

namespace flushcoord::testing {

int main_runner(properties::scenario_runner run, bool finalize_faults, int argc, char** argv) {
  // Replay and rerun commands name the user's binary as it was invoked.
  flushsim::set_subject({run, argc > 0 && argv[0] ? argv[0] : "simulation", finalize_faults});
  return flushsim::cli_main(argc, argv);
}

}  // namespace flushcoord::testing

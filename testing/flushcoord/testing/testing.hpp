// flushcoord/testing/testing.hpp — everything of flushcoord::testing.
//
//   setup.hpp            what a user supplies (the hooks)
//   recorded_engine.hpp  the wrapper through which the checkers observe it
//   run.hpp              one scenario, one run: testing::run<S>
//   check.hpp            a campaign from a unit test: testing::check<S>
//   main.hpp             flushsim's CLI in the user's binary: testing::main<S>
#pragma once

#include "flushcoord/testing/check.hpp"
#include "flushcoord/testing/main.hpp"
#include "flushcoord/testing/recorded_engine.hpp"
#include "flushcoord/testing/run.hpp"
#include "flushcoord/testing/setup.hpp"

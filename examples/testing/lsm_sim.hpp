// examples/testing/lsm_sim.hpp — the simulation's entry point (lsm_sim.cpp).
#pragma once

/// flushcoord::testing::main over the LSM engine; `stale_parent` plants
/// the bug of lsm.hpp in every run of this process.
int lsm_main(int argc, char** argv, bool stale_parent);

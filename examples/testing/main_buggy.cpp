// examples/testing/main_buggy.cpp — lsm_sim_buggy: with the planted stale-parent bug.
#include "lsm_sim.hpp"

int main(int argc, char** argv) { return lsm_main(argc, argv, true); }

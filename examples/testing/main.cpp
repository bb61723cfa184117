// examples/testing/main.cpp — lsm_sim: the engine as shipped.
#include "lsm_sim.hpp"

int main(int argc, char** argv) { return lsm_main(argc, argv, false); }

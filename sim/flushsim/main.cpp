// sim/flushsim/main.cpp — the flushsim and flushsim_mutants executables.
#include "cli.hpp"

int main(int argc, char** argv) { return flushsim::cli_main(argc, argv); }

// sim/flushsim/compare.hpp — `flushsim_mutants compare`: for every mutant,
// the seeds (or schedules) to the first failure under the random walk, PCT
// with d = 1, 2, 3, and exhaustive exploration of the fixed scenario.
// Prints a Markdown table (docs/strategy-comparison.md keeps one).
#pragma once

#include <CLI/CLI.hpp>

namespace flushsim {

struct search_args;

void add_compare(CLI::App& app, search_args& a);
int compare_main(const search_args& a);

}  // namespace flushsim

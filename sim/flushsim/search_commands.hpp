// sim/flushsim/search_commands.hpp — the smarter-search subcommands:
//
//   flushsim explore [--flushes N] [--max-pending P] [--drains D] [--shutdowns S]
//                    [--preemption-bound B|none] [--faults a,b,...]
//                    [--fault-choices a,b,...|all] [--writers W] [--acquire-for NS]
//                    [--close-at NS]... [--scenario FILE] [--preset NAME|list]
//                    [--por dpor|sleep-sets|none] [--no-por] [--sound-bound]
//                    [--count-classes] [--bound-counts-only]
//                    [--max-schedules N] [--out DIR]   (+ --mutant NAME)
//   flushsim shrink FILE [-o OUT] [--runs-max N] [--keep-scenario]
//   flushsim_mutants compare [--seeds N] [--explore-max-schedules N]
//
// Library side: properties/explore.hpp, properties/shrink.hpp, sim/pct.hpp.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include <CLI/CLI.hpp>

#include "flushcoord/properties/explore.hpp"

namespace flushsim {

struct search_args {
  flushcoord::properties::explore_options explore;
  std::string faults;
  std::string fault_choices;
  std::string preset;
  std::string scenario_file;
  std::vector<std::string> shape_flags;  // the fixed scenario's options given on the command line
  bool no_por = false;          // the old spelling of --por none
  std::string por = "dpor";
  std::string bound = "2";
  std::optional<std::string> mutant;
  std::string out_dir = "flushsim-traces";
  std::string file;
  std::string shrink_out;
  std::size_t shrink_runs_max = 5000;
  bool keep_scenario = false;
  std::uint64_t compare_seeds = 2000;
  std::uint64_t compare_explore_max = 0;
};

/// Registers explore, shrink and (in flushsim_mutants) compare.
void add_search_commands(CLI::App& app, search_args& a);

/// Runs the search subcommand that was given, if any; its exit status.
std::optional<int> dispatch_search(const CLI::App& app, search_args& a);

}  // namespace flushsim

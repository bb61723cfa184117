// sim/flushsim/run_command.hpp — `flushsim run`: a campaign, its traces and
// its report.
#pragma once

#include <cstdio>
#include <filesystem>
#include <optional>
#include <string>
#include <vector>

#include "campaign.hpp"
#include "summary.hpp"

namespace flushsim {

/// Traces written per campaign: the lowest failing seeds. A mutant can fail
/// on most seeds; thousands of traces of one bug help nobody, and every
/// failure is still listed in the JSON summary.
inline constexpr std::size_t traces_per_campaign_max = 20;

struct run_args {
  campaign_options campaign;
  std::optional<std::string> mutant;
  std::optional<std::filesystem::path> json;
  std::filesystem::path out_dir = "flushsim-traces";
  bool coverage = false;  // report the coverage marks (--coverage)
};

/// Runs the campaign, writes the traces of its failures, prints each
/// failure with its replay command and then the summary to `out`. Returns
/// 0 if no seed failed, 1 otherwise. With `failures`, also hands back each
/// failure and the trace written for it (testing::check reports them).
int run_main(const run_args& args, std::FILE* out, std::vector<reported_failure>* failures = nullptr,
             std::uint64_t* seeds_run = nullptr);

/// The command that regenerates seed `seed` of this campaign on its own.
std::string rerun_command(const run_args& args, std::uint64_t seed);

}  // namespace flushsim

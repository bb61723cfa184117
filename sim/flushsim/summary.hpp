// sim/flushsim/summary.hpp — the end-of-campaign report, as text and JSON.
//
// Both forms carry the same facts: the seeds asked for and run, failures
// by class (and by property), work done (steps, decisions), wall time and
// throughput, and for each reported failure its trace and replay command.
// With --coverage, both also carry the seeds that hit each coverage mark,
// and name the marks no seed hit (the gaps of the workload).
// The JSON is for scripts and CI dashboards (`--json FILE`); its keys are
// listed in docs/trace-format.md next to the exit codes.
#pragma once

#include <cstdio>
#include <filesystem>
#include <optional>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "campaign.hpp"

namespace flushsim {

/// A failure as the report shows it; the trace is absent past the limit on
/// traces written per campaign (traces_per_campaign_max).
struct reported_failure {
  seed_failure failure;
  std::optional<std::filesystem::path> trace;
};

/// Everything the report needs.
struct campaign_report {
  const campaign_options& opts;
  const campaign_result& result;
  std::vector<reported_failure> failures;  // every failure, sorted by seed
  std::optional<std::string> mutant;
  bool coverage = false;  // include the coverage marks
};

/// The marks of `res` that no seed hit, in the list's order.
std::vector<std::string> coverage_gaps(const campaign_result& res);

/// The coverage table: one line per mark with its seeds, gaps flagged.
std::string coverage_table(const campaign_result& res);

void print_summary(std::FILE* out, const campaign_report& r);
nlohmann::json summary_json(const campaign_report& r);
/// Throws usage_error if the file cannot be written.
void write_json(const std::filesystem::path& path, const nlohmann::json& j);

}  // namespace flushsim

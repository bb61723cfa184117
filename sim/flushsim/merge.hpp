// sim/flushsim/merge.hpp — `flushsim merge A.json B.json ...`: the JSON
// summaries of a sharded campaign (flushsim run --shard K/N --json) as one.
//
// The shards must be of one campaign: the same seed range, shard count,
// mutant, strategy and generator options (a summary that lacks one of the
// later fields is taken to agree). The result says which shards are there,
// which are missing, which were given more than once (counted once: the
// first file's), and which stopped early (a time budget, stop-on-first);
// its totals (seeds run, steps, decisions, failures by class and
// property, coverage) add the distinct shards up, its failures are their
// union sorted by seed, and its throughput is seeds per second of the
// slowest shard's wall time (the shards ran side by side).
//
// Exit status: 1 if any shard found a failure; else 2 if the shards do not
// cover the campaign exactly once (missing, overlapping or stopped early:
// the merged summary cannot vouch for the range); else 0. Unreadable
// files, malformed summaries and shards of different campaigns are bad
// input (2), named with their file.
#pragma once

#include <cstdio>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

namespace flushsim {

struct merged_campaign {
  nlohmann::json summary;   ///< a "flushsim-summary 1" object plus "merge"
  std::string report;       ///< what `merge` prints
  int status = 0;           ///< the exit status above
};

/// `inputs` are (file name, parsed summary) pairs. Throws usage_error for
/// a malformed summary or one of another campaign.
merged_campaign merge_summaries(const std::vector<std::pair<std::string, nlohmann::json>>& inputs);

/// Reads the files, merges them, prints the report to `out` and writes the
/// merged summary to `json_out` unless it is empty. Returns the status.
int merge_main(const std::vector<std::string>& files, const std::string& json_out, std::FILE* out);

}  // namespace flushsim

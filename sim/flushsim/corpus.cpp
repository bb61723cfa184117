// sim/flushsim/corpus.cpp
#include "corpus.hpp"

#include <fmt/format.h>

#include "corpus_file.hpp"
#include "exit_codes.hpp"
#include "failure_trace.hpp"
#include "mutant.hpp"
#include "replay.hpp"
#include "seed_runner.hpp"

namespace flushsim {

namespace fp = flushcoord::properties;

namespace {

/// Runs one entry; prints its verdict. Returns true if it passed.
bool check_entry(const corpus_entry& e, seed_runner& runner, const std::filesystem::path& out_dir, std::FILE* out) {
  const fp::scenario_outcome o = runner.run(e.scenario, e.seed);
  if (o.ok()) {
    fmt::print(out, "pass  {} (property {}, seed {})\n", e.file.string(), e.property, e.seed);
    return true;
  }
  fmt::print(out, "FAIL  {} (property {}, seed {}): {}\n", e.file.string(), e.property, e.seed,
             describe_failure(*o.run.failed));
  fp::scenario_outcome recorded;
  const auto t = record_trace(e.scenario, e.seed,
                              trace_origin{std::nullopt, fmt::format("{} corpus {}", tool_name(), e.file.string())},
                              recorded);
  const std::string stem = fmt::format("corpus-{}-{}", e.file.stem().string(),
                                       flushcoord::sim::to_string(o.run.failed->what));
  fmt::print(out, "  replay: {}\n", replay_command(write_trace_file(out_dir, stem, t)));
  return false;
}

}  // namespace

int corpus_main(const std::vector<std::string>& paths, const std::filesystem::path& out_dir, std::FILE* out) {
  select_mutant(std::nullopt);  // the corpus judges the shipped coordinator
  std::vector<corpus_entry> entries;
  for (const auto& file : corpus_files(paths)) entries.push_back(load_corpus_entry(file));
  seed_runner runner;
  std::size_t failed = 0;
  for (const auto& e : entries) failed += check_entry(e, runner, out_dir, out) ? 0 : 1;
  fmt::print(out, "corpus: {} entries, {} passed, {} failed\n", entries.size(), entries.size() - failed, failed);
  return failed == 0 ? exit_clean : exit_failure_found;
}

}  // namespace flushsim

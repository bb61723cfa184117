// sim/flushsim/corpus_file.hpp — one entry of the regression corpus.
//
// traces/corpus/*.txt: a failure once found, kept so that it stays fixed.
// Format (version 1):
//   flushcoord-corpus 1          first line
//   # ...                        comments and blank lines, anywhere before
//                                `scenario`
//   property NAME                the property it violated when found
//   seed N                       the schedule's seed (random walk)
//   scenario                     then the scenario text to the end of file
#pragma once

#include <cstdint>
#include <filesystem>
#include <string>
#include <vector>

#include "flushcoord/properties/scenario.hpp"

namespace flushsim {

struct corpus_entry {
  std::filesystem::path file;
  std::string property;
  std::uint64_t seed = 0;
  flushcoord::properties::scenario scenario;
};

/// Parses one entry; throws usage_error naming file and line.
corpus_entry parse_corpus_entry(const std::string& text, const std::filesystem::path& file);

/// Reads and parses a file (usage_error if unreadable or malformed).
corpus_entry load_corpus_entry(const std::filesystem::path& file);

/// The entry files named by `args`: files as given, directories expanded
/// to their *.txt files in name order. Throws usage_error for a missing
/// path or a directory without entries.
std::vector<std::filesystem::path> corpus_files(const std::vector<std::string>& args);

}  // namespace flushsim

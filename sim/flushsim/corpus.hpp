// sim/flushsim/corpus.hpp — `flushsim corpus DIR|FILE...`: the regression
// corpus under today's code.
#pragma once

#include <cstdio>
#include <filesystem>
#include <string>
#include <vector>

namespace flushsim {

/// Parses every entry first (a malformed one: usage_error, exit 2), then
/// runs each entry's scenario with its seed's random walk. Prints "pass" or
/// the failure with the replay command of a fresh trace written to
/// `out_dir`. Returns 0 if every entry passed, 1 otherwise.
int corpus_main(const std::vector<std::string>& paths, const std::filesystem::path& out_dir, std::FILE* out);

}  // namespace flushsim

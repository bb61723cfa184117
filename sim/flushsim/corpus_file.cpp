// sim/flushsim/corpus_file.cpp
#include "corpus_file.hpp"

#include <algorithm>
#include <charconv>
#include <fstream>
#include <optional>
#include <sstream>

#include <fmt/format.h>

#include "exit_codes.hpp"
#include "trace_input.hpp"

namespace flushsim {

namespace {

/// Corpus entries are a few hundred bytes; anything this large is not one.
constexpr std::uintmax_t corpus_file_bytes_max = 16u << 20;

[[noreturn]] void fail_at(const std::filesystem::path& file, std::size_t line, std::string_view what) {
  throw usage_error(fmt::format("{}:{}: {}", file.string(), line, what));
}

std::uint64_t parse_seed(std::string_view s, const std::filesystem::path& file, std::size_t line) {
  std::uint64_t v = 0;
  const auto [p, ec] = std::from_chars(s.data(), s.data() + s.size(), v);
  if (s.empty() || ec != std::errc{} || p != s.data() + s.size())
    fail_at(file, line, fmt::format("bad seed '{}'", s));
  return v;
}

}  // namespace

corpus_entry parse_corpus_entry(const std::string& text, const std::filesystem::path& file) {
  std::istringstream in(text);
  std::string line;
  std::size_t n = 0;
  if (!std::getline(in, line)) fail_at(file, 1, "empty file: expected 'flushcoord-corpus 1'");
  ++n;
  if (line != "flushcoord-corpus 1")
    fail_at(file, 1, line.rfind("flushcoord-corpus ", 0) == 0 ? "unsupported corpus version (this build reads 1)"
                                                              : "not a corpus entry: expected 'flushcoord-corpus 1'");
  corpus_entry e;
  e.file = file;
  std::optional<std::uint64_t> seed;
  while (std::getline(in, line)) {
    ++n;
    if (line.empty() || line[0] == '#') continue;
    if (line == "scenario") {
      if (e.property.empty()) fail_at(file, n, "'scenario' before the 'property' line");
      if (!seed) fail_at(file, n, "'scenario' before the 'seed' line");
      e.seed = *seed;
      const std::string rest(std::istreambuf_iterator<char>(in), {});
      e.scenario = parse_scenario_at(rest, file.string(), n + 1);
      return e;
    }
    if (line.rfind("property ", 0) == 0 && e.property.empty() && line.size() > 9) {
      e.property = line.substr(9);
    } else if (line.rfind("seed ", 0) == 0 && !seed) {
      seed = parse_seed(std::string_view(line).substr(5), file, n);
    } else {
      fail_at(file, n, fmt::format("unexpected line '{}' (expected property, seed, scenario or # comment)",
                                   line.substr(0, 60)));
    }
  }
  fail_at(file, n + 1, "no 'scenario' line (truncated entry?)");
}

corpus_entry load_corpus_entry(const std::filesystem::path& file) {
  std::error_code ec;
  if (!std::filesystem::is_regular_file(file, ec)) throw usage_error(fmt::format("{}: not a readable file", file.string()));
  const auto size = std::filesystem::file_size(file, ec);
  if (ec || size > corpus_file_bytes_max) throw usage_error(fmt::format("{}: unreadable or too large", file.string()));
  std::ifstream in(file, std::ios::binary);
  std::string text(static_cast<std::size_t>(size), '\0');
  in.read(text.data(), static_cast<std::streamsize>(size));
  if (!in) throw usage_error(fmt::format("{}: read error", file.string()));
  return parse_corpus_entry(text, file);
}

std::vector<std::filesystem::path> corpus_files(const std::vector<std::string>& args) {
  std::vector<std::filesystem::path> files;
  for (const std::string& a : args) {
    std::error_code ec;
    const std::filesystem::path p(a);
    if (std::filesystem::is_directory(p, ec)) {
      std::vector<std::filesystem::path> found;
      for (const auto& d : std::filesystem::directory_iterator(p, ec))
        if (d.path().extension() == ".txt" && d.is_regular_file()) found.push_back(d.path());
      if (ec) throw usage_error(fmt::format("{}: cannot list: {}", a, ec.message()));
      if (found.empty()) throw usage_error(fmt::format("{}: no corpus entries (*.txt) in this folder", a));
      std::sort(found.begin(), found.end());
      files.insert(files.end(), found.begin(), found.end());
    } else if (std::filesystem::exists(p, ec)) {
      files.push_back(p);
    } else {
      throw usage_error(fmt::format("{}: no such file or folder", a));
    }
  }
  return files;
}

}  // namespace flushsim

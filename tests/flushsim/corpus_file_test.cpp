// Corpus entries: the format, and errors that name file and line.
#include <doctest/doctest.h>

#include <string>

#include "corpus_file.hpp"
#include "exit_codes.hpp"

namespace {

const std::string good =
    "flushcoord-corpus 1\n"
    "# found by a campaign\n"
    "property drain\n"
    "seed 96\n"
    "scenario\n"
    "max_pending 4\n"
    "flush 936948 none 0 1\n";

std::string corpus_error_of(const std::string& text) {
  try {
    flushsim::parse_corpus_entry(text, "e.txt");
  } catch (const flushsim::usage_error& e) {
    return e.what();
  }
  return "(no error)";
}

}  // namespace

TEST_CASE("a corpus entry parses") {
  const auto e = flushsim::parse_corpus_entry(good, "e.txt");
  CHECK(e.property == "drain");
  CHECK(e.seed == 96);
  CHECK(e.scenario.max_pending == 4);
  CHECK(e.scenario.flushes.size() == 1);
}

TEST_CASE("bad corpus entries name file and line") {
  CHECK(corpus_error_of("") == "e.txt:1: empty file: expected 'flushcoord-corpus 1'");
  CHECK(corpus_error_of("flushcoord-corpus 2\n") == "e.txt:1: unsupported corpus version (this build reads 1)");
  CHECK(corpus_error_of("hello\n").rfind("e.txt:1: not a corpus entry", 0) == 0);
  CHECK(corpus_error_of("flushcoord-corpus 1\nproperty drain\nseed x\n") == "e.txt:3: bad seed 'x'");
  CHECK(corpus_error_of("flushcoord-corpus 1\nproperty drain\nseed 1\n") == "e.txt:4: no 'scenario' line (truncated entry?)");
  CHECK(corpus_error_of("flushcoord-corpus 1\nseed 1\nscenario\n") == "e.txt:3: 'scenario' before the 'property' line");
  CHECK(corpus_error_of("flushcoord-corpus 1\nwhat\n").rfind("e.txt:2: unexpected line 'what'", 0) == 0);
  std::string bad_scenario = good;
  bad_scenario += "flush 12 sideways 0 0\n";
  CHECK(corpus_error_of(bad_scenario).rfind("e.txt:8: scenario: unknown fault 'sideways'", 0) == 0);
  CHECK(corpus_error_of("flushcoord-corpus 1\nproperty drain\nseed 1\nscenario\n").find("e.txt") == 0);
}

TEST_CASE("corpus paths: missing ones and empty folders are bad input") {
  CHECK_THROWS_AS(flushsim::corpus_files({"/nonexistent/corpus"}), flushsim::usage_error);
}

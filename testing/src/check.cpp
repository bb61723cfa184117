// testing/src/check.cpp — testing::check: `flushsim run` in-process, its report captured.
#include "flushcoord/testing/check.hpp"

#include <unistd.h>

#include <cstdio>
#include <stdexcept>

#include "exit_codes.hpp"
#include "run_command.hpp"
#include "subject.hpp"

namespace flushcoord::testing {

namespace {

/// This process's executable, as the default replay tool.
std::string own_path() {
  std::error_code ec;
  const auto p = std::filesystem::read_symlink("/proc/self/exe", ec);
  return ec ? std::string("<your testing::main binary>") : p.string();
}

/// A memory stream for run_main's report; the text once closed.
class captured_output {
 public:
  captured_output() : f_(open_memstream(&buf_, &size_)) {
    if (!f_) throw std::runtime_error("testing::check: cannot open a memory stream for the report");
  }
  captured_output(const captured_output&) = delete;
  captured_output& operator=(const captured_output&) = delete;
  ~captured_output() {
    if (f_) std::fclose(f_);
    std::free(buf_);
  }
  std::FILE* file() const { return f_; }
  std::string text() {
    std::fclose(f_);
    f_ = nullptr;
    return std::string(buf_, size_);
  }

 private:
  char* buf_ = nullptr;
  std::size_t size_ = 0;
  std::FILE* f_;
};

flushsim::run_args run_args_for(const check_options& opts) {
  if (opts.seeds.first > opts.seeds.last)
    throw std::invalid_argument("testing::check: the seed range is empty (first > last)");
  if (opts.jobs == 0) throw std::invalid_argument("testing::check: jobs must be at least 1");
  flushsim::run_args a;
  a.campaign.seeds = {opts.seeds.first, opts.seeds.last};
  a.campaign.jobs = opts.jobs;
  a.campaign.strategy = opts.strategy;
  a.campaign.check_determinism = opts.check_determinism;
  a.campaign.time_budget_s = opts.time_budget_s;
  a.campaign.stop_on_first = true;  // a unit test wants the lowest failing seed, fast
  a.out_dir = opts.out;
  return a;
}

}  // namespace

check_result check_runner(properties::scenario_runner run, bool finalize_faults, const check_options& opts) {
  flushsim::set_subject({run, opts.tool.empty() ? own_path() : opts.tool, finalize_faults});
  const flushsim::run_args args = run_args_for(opts);
  captured_output out;
  int status = 0;
  std::vector<flushsim::reported_failure> failures;
  std::uint64_t seeds_run = 0;
  try {
    status = flushsim::run_main(args, out.file(), &failures, &seeds_run);
  } catch (const flushsim::usage_error& e) {
    throw std::invalid_argument(std::string("testing::check: ") + e.what());
  }
  check_result r;
  r.ok = status == flushsim::exit_clean;
  r.seeds_run = seeds_run;
  if (!failures.empty()) {
    r.failing_seed = failures.front().failure.seed;
    r.trace = failures.front().trace;
  }
  r.message = out.text();
  return r;
}

}  // namespace flushcoord::testing

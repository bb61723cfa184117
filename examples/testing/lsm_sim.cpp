// examples/testing/lsm_sim.cpp — the LSM engine under flushcoord's simulator.
//
// One setup (the hooks flushcoord::testing asks for) and a main that gives
// this binary flushsim's command line:
//   lsm_sim run --seeds 0..9999 --jobs 2     every §5 property + the chain
//   lsm_sim replay TRACE | shrink TRACE | show TRACE
// Two binaries share this file: lsm_sim, and lsm_sim_buggy, which plants
// the stale-parent bug of lsm.hpp (main_buggy.cpp). The choice is made once
// per process, before any run, so each binary is deterministic; one copy of
// the heavy template code serves both (CI compile time).
#include <map>
#include <optional>
#include <stop_token>
#include <string>

#include "flushcoord/testing/testing.hpp"
#include "lsm.hpp"

#include "lsm_sim.hpp"

namespace {

/// Set by lsm_main before any run; read by every run's setup.
bool plant_stale_parent = false;

struct lsm_setup {
  using runtime = flushcoord::sim::runtime;
  using engine = lsm::engine<runtime>;

  // The engine's fault seam (lsm.hpp) obeys the harness's plan, so the
  // harness draws finalize faults for it.
  static constexpr bool finalize_faults = true;

  explicit lsm_setup(flushcoord::testing::run_context ctx)
      : rt(ctx.rt), faults(ctx.faults), db(ctx.rt, plant_stale_parent, seam()) {}

  engine make_engine() { return engine(db); }
  engine::rotated_state rotate(std::size_t flush) {
    const std::uint64_t memtable = db.freeze();
    flush_of[memtable] = flush;  // the seam speaks memtables, the plan flushes
    return memtable;
  }
  flushcoord::result<engine::outcome> stream(const engine::rotated_state& memtable, std::stop_token) {
    return db.write_sst(memtable);
  }

  void start() {
    checkpointer = rt.spawn("checkpointer", [this] { db.run_checkpointer(); });
  }
  void stop() {
    db.stop_checkpointer();
    checkpointer.join();
  }
  std::optional<std::string> invariant() const { return db.chain_error(); }

  /// The harness's finalize faults, through the engine's own seam.
  lsm::write_faults seam() {
    using flushcoord::testing::finalize_fault;
    return {.manifest_write =
                [this](std::uint64_t memtable) {
                  switch (faults.finalize(flush_of.at(memtable))) {
                    case finalize_fault::error: return lsm::write_fault::io_error;
                    case finalize_fault::throw_exception: return lsm::write_fault::crash;
                    case finalize_fault::none: break;
                  }
                  return lsm::write_fault::none;
                },
            .give_back_throws = [this](std::uint64_t memtable) {
              return faults.finalize_failure_throws(flush_of.at(memtable));
            }};
  }

  runtime rt;
  flushcoord::testing::injected_faults faults;
  std::map<std::uint64_t, std::size_t> flush_of;  // memtable -> the scenario's flush
  lsm::database<runtime> db;
  runtime::task_handle checkpointer;
};

static_assert(flushcoord::testing::setup<lsm_setup>);

}  // namespace

int lsm_main(int argc, char** argv, bool stale_parent) {
  plant_stale_parent = stale_parent;
  return flushcoord::testing::main<lsm_setup>(argc, argv);
}

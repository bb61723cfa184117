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

  explicit lsm_setup(flushcoord::testing::run_context ctx) : rt(ctx.rt), db(ctx.rt, plant_stale_parent) {}

  engine make_engine() { return engine(db); }
  engine::rotated_state rotate(std::size_t) { return db.freeze(); }
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

  runtime rt;
  lsm::database<runtime> db;
  runtime::task_handle checkpointer;
};

static_assert(flushcoord::testing::setup<lsm_setup>);

}  // namespace

int lsm_main(int argc, char** argv, bool stale_parent) {
  plant_stale_parent = stale_parent;
  return flushcoord::testing::main<lsm_setup>(argc, argv);
}

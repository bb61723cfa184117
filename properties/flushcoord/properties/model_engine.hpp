// flushcoord/properties/model_engine.hpp — the storage engine the simulator drives.
//
// It behaves like the original's writer (SPEC §4): rotate under a flush lock
// (a sim::mutex), stream without it, and finalize re-acquiring it. Its
// manifest is a parent-linked chain: finalize reads the head, passes a
// scheduling point (a real engine writes the manifest file there), then
// publishes a new head whose parent is what it read — so overlapping or
// reordered finalizes are visible in the chain.
//
// Every call the coordinator makes into it, and every coordinator event,
// becomes a fact for the checkers (facts.hpp).
#pragma once

#include <cstdint>
#include <stdexcept>

#include "flushcoord/coordinator.hpp"
#include "flushcoord/properties/world.hpp"

namespace flushcoord::properties {

class model_engine {
 public:
  struct rotated_state {
    std::size_t plan = 0;  // index into scenario::flushes
  };
  struct outcome {
    std::uint64_t manifest = 0;  // the manifest the stream built
  };
  using snapshot_id = std::uint64_t;

  explicit model_engine(model_world& w) : w_(&w) {}

  result<snapshot_id> finalize(std::uint64_t seq, const rotated_state& st, outcome&& out) {
    w_->note({.kind = fact_kind::finalize_called, .seq = seq, .a = st.plan});
    const fault what = w_->plan(st.plan).what;
    const std::uint64_t parent = read_head(st);
    if (what == fault::finalize_error) {
      w_->note({.kind = fact_kind::finalize_returned, .seq = seq});
      return flush_error{errc::finalize_failed, seq, "injected finalize error"};
    }
    if (what == fault::finalize_throw) {
      w_->note({.kind = fact_kind::finalize_returned, .seq = seq});
      throw std::runtime_error("injected finalize throw");
    }
    publish(out.manifest);
    w_->note({.kind = fact_kind::manifest_published, .seq = seq, .a = parent, .b = out.manifest});
    w_->note({.kind = fact_kind::finalize_returned, .seq = seq});
    return out.manifest;
  }

  /// The exception finalize_failure throws when its plan says so.
  struct injected_failure_throw {};

  void finalize_failure(std::uint64_t seq, const rotated_state& st, const flush_error& err) {
    w_->note({.kind = fact_kind::failure_called, .seq = seq, .a = st.plan, .code = err.code});
    read_head(st);  // a real engine puts the frozen buffer back under its lock
    w_->note({.kind = fact_kind::finalize_returned, .seq = seq});
    if (w_->plan(st.plan).failure_throws) throw injected_failure_throw{};
  }

  void on_event(const coordinator_event& e) { w_->note({.kind = fact_kind::coordinator, .event = e}); }

 private:
  /// Under the flush lock, taking the plan's engine time there: a slow
  /// publish keeps the writer's rotate step (and later streams' landings)
  /// waiting behind it.
  std::uint64_t read_head(const rotated_state& st) {
    lock_guard lk(w_->flush_lock);
    if (const std::int64_t t = w_->plan(st.plan).engine_ns; t > 0) w_->rt.sleep_for(std::chrono::nanoseconds(t));
    return w_->manifest;
  }
  void publish(std::uint64_t manifest) {
    lock_guard lk(w_->flush_lock);
    w_->manifest = manifest;
  }

  model_world* w_;
};

using model_coordinator = coordinator<sim::runtime, model_engine>;

/// The model engine as workload.hpp's adapter: plan i's stream builds
/// manifest i + 1; the snapshot is the manifest.
class model_adapter {
 public:
  using engine = model_engine;
  explicit model_adapter(model_world& w) : w_(&w) {}
  engine make_engine() { return engine(*w_); }
  engine::rotated_state rotated_state_for(std::size_t plan) { return {plan}; }
  result<engine::outcome> produce(std::size_t plan, const engine::rotated_state&, std::stop_token) {
    return engine::outcome{plan + 1};
  }
  static std::uint64_t key(engine::snapshot_id id) { return id; }
  void started() {}
  void stopping() {}
  void finished() {}

 private:
  model_world* w_;
};

}  // namespace flushcoord::properties

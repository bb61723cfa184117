// properties/src/model_setup.hpp — the model engine, as a flushcoord::testing setup.
//
// flushsim's engine is plugged into the harness exactly as a user's engine
// is (testing/flushcoord/testing/setup.hpp): run_scenario is
// testing::run<model_setup>, the same workload, recording wrapper and
// checkers, with no hook a user lacks.
//
// It behaves like the original's writer (SPEC §4): rotate under the flush
// lock (the harness's writer lock, ctx.flush_lock), stream without it, and
// finalize re-acquiring it. Its manifest is a parent-linked chain: finalize
// reads the head under the lock, taking the flush's planned I/O time there,
// then publishes a new head whose parent is what it read, and tells the
// parent through parent_key — so overlapping or reordered finalizes break
// property manifest_chain. A slow publish also keeps the writer's rotate
// step, and later streams' landings, waiting behind it.
//
// Plan i's stream builds manifest i + 1; the snapshot is that manifest.
// Private to the properties library: nothing but run_scenario.cpp uses it.
#pragma once

#include <cstdint>
#include <stdexcept>
#include <stop_token>

#include "flushcoord/result.hpp"
#include "flushcoord/runtime_policy.hpp"
#include "flushcoord/testing/setup.hpp"

namespace flushcoord::properties {

class model_setup {
 public:
  /// A published manifest and the manifest it was linked to.
  struct manifest_link {
    std::uint64_t manifest = 0;
    std::uint64_t parent = 0;
  };

  class engine {
   public:
    struct rotated_state {
      std::size_t flush = 0;  // the scenario's flush (rotate's argument)
    };
    struct outcome {
      std::uint64_t manifest = 0;  // the manifest the stream built
    };
    using snapshot_id = manifest_link;

    /// The exception finalize_failure throws when its plan says so: not a
    /// std::exception, as an engine may throw anything.
    struct injected_failure_throw {};

    explicit engine(model_setup& s) : s_(&s) {}

    result<snapshot_id> finalize(std::uint64_t seq, const rotated_state& st, outcome&& out) {
      const std::uint64_t parent = s_->read_head(st.flush);
      switch (s_->ctx_.faults.finalize(st.flush)) {
        case testing::finalize_fault::error:
          return flush_error{errc::finalize_failed, seq, "injected finalize error"};
        case testing::finalize_fault::throw_exception: throw std::runtime_error("injected finalize throw");
        case testing::finalize_fault::none: break;
      }
      s_->publish(out.manifest);
      return manifest_link{out.manifest, parent};
    }

    void finalize_failure(std::uint64_t, const rotated_state& st, const flush_error&) {
      s_->read_head(st.flush);  // a real engine puts the frozen buffer back under its lock
      if (s_->ctx_.faults.finalize_failure_throws(st.flush)) throw injected_failure_throw{};
    }

   private:
    model_setup* s_;
  };

  static constexpr bool finalize_faults = true;

  explicit model_setup(testing::run_context ctx) : ctx_(ctx) {}

  engine make_engine() { return engine(*this); }
  engine::rotated_state rotate(std::size_t flush) { return {flush}; }
  result<engine::outcome> stream(const engine::rotated_state& st, std::stop_token) {
    return engine::outcome{st.flush + 1};
  }
  static std::uint64_t key(const manifest_link& m) { return m.manifest; }
  static std::uint64_t parent_key(const manifest_link& m) { return m.parent; }

 private:
  std::uint64_t read_head(std::size_t flush) {
    lock_guard lk(*ctx_.flush_lock);
    if (const auto t = ctx_.faults.io_time(flush); t.count() > 0) ctx_.rt.sleep_for(t);
    return head_;
  }
  void publish(std::uint64_t manifest) {
    lock_guard lk(*ctx_.flush_lock);
    head_ = manifest;
  }

  testing::run_context ctx_;
  std::uint64_t head_ = 0;  // the chain's head; 0 is the initial manifest
};

static_assert(testing::setup<model_setup>);
static_assert(testing::has_parent_key<model_setup>);

}  // namespace flushcoord::properties

// examples/testing/lsm.hpp — a small LSM-like storage engine over flushcoord.
//
// The parts a real engine has around the coordinator, cut to the bone:
//   - a manifest chain: every published manifest names its parent, the
//     manifest it replaced; a broken link loses data on recovery;
//   - a flush lock guarding the memtable switch and the chain;
//   - a checkpointer task that periodically publishes a checkpoint manifest
//     onto the same chain.
//
// Everything is a template over the runtime policy R: production uses
// flushcoord::prod::runtime, the simulation flushcoord::sim::runtime. The
// manifest file write is modelled by sleeping on R's clock (where a real
// engine does I/O, so other tasks run meanwhile).
//
// The planted bug (stale_parent): finalize reads the chain's head, drops
// the flush lock while it writes the manifest file, and publishes with the
// head it read. If the checkpointer published meanwhile, the new manifest's
// parent is stale and the checkpoint is lost from the chain.
//
// The fault seam (write_faults): where a real engine's I/O can fail, the
// database asks an optional callback. Production leaves it empty; the
// simulation wires it to the harness's fault plan, so that the failure paths
// of finalize and finalize_failure run under the coordinator too.
#pragma once

#include <chrono>
#include <cstdint>
#include <functional>
#include <mutex>
#include <stdexcept>
#include <optional>
#include <string>
#include <vector>

#include "flushcoord/coordinator.hpp"

namespace lsm {

using namespace std::chrono_literals;

/// What the fault seam can make a manifest write do.
enum class write_fault { none, io_error, crash };

/// The test seam: empty in production. Keyed by the frozen memtable.
struct write_faults {
  std::function<write_fault(std::uint64_t memtable)> manifest_write;
  std::function<bool(std::uint64_t memtable)> give_back_throws;
};

template <class R>
class database {
 public:
  struct manifest {
    std::uint64_t id = 0;
    std::uint64_t parent = 0;
    bool checkpoint = false;
  };

  /// The write of one manifest file, in virtual time.
  static constexpr std::chrono::nanoseconds manifest_write = 50us;
  /// How often the checkpointer publishes.
  static constexpr std::chrono::nanoseconds checkpoint_every = 700us;

  database(R rt, bool stale_parent, write_faults faults = {})
      : rt_(rt), stale_parent_(stale_parent), faults_(std::move(faults)) {
    chain_.push_back({1, 0, false});
  }

  /// The writer's rotate step: switch the memtable. Returns its number.
  std::uint64_t freeze() {
    std::lock_guard lk(flush_lock_);
    return ++memtables_frozen_;
  }

  /// A flush's stream: write the frozen memtable as an SST (the sst_dir
  /// lock stands for the directory update). Returns the SST's number.
  std::uint64_t write_sst(std::uint64_t memtable) {
    std::lock_guard lk(sst_dir_);
    return memtable;  // one SST per memtable
  }

  /// finalize: publish a manifest that adds `sst` (the SST of memtable
  /// `sst`). Returns its id, or nothing when the manifest write failed: the
  /// chain is unchanged and the memtable stays frozen, to be flushed again.
  /// Throws when the write "crashes" (the seam's crash).
  std::optional<std::uint64_t> publish(std::uint64_t sst) {
    std::unique_lock lk(flush_lock_);
    const std::uint64_t parent = chain_.back().id;
    if (stale_parent_) lk.unlock();  // BUG: the head may move while we write
    rt_.sleep_for(manifest_write);
    if (stale_parent_) lk.lock();
    switch (faults_.manifest_write ? faults_.manifest_write(sst) : write_fault::none) {
      case write_fault::io_error: ++memtables_returned_; return std::nullopt;
      case write_fault::crash: throw std::runtime_error("manifest write crashed");
      case write_fault::none: break;
    }
    const std::uint64_t id = ++next_id_;
    chain_.push_back({id, parent, false});
    flushcoord::note(rt_, "manifest " + std::to_string(id) + " published, parent " + std::to_string(parent));
    ++flushes_published_;
    return id;
  }

  /// finalize_failure: the memtable goes back to be flushed again later.
  void give_back(std::uint64_t memtable) {
    std::lock_guard lk(flush_lock_);
    ++memtables_returned_;
    if (faults_.give_back_throws && faults_.give_back_throws(memtable)) throw std::runtime_error("give_back failed");
  }

  /// The checkpointer task's body: publish a checkpoint every
  /// checkpoint_every until stop_checkpointer.
  void run_checkpointer() {
    std::unique_lock lk(flush_lock_);
    while (!stopping_) {
      const auto next = rt_.now() + checkpoint_every;
      while (!stopping_ && checkpoint_wake_.wait_until(flush_lock_, next)) {
      }
      if (stopping_) break;
      chain_.push_back({++next_id_, chain_.back().id, true});
      // In a simulated run's trace ("show" prints it); nothing in production.
      flushcoord::note(rt_, "checkpoint manifest " + std::to_string(next_id_) + " published");
    }
  }

  void stop_checkpointer() {
    std::lock_guard lk(flush_lock_);
    stopping_ = true;
    checkpoint_wake_.notify_all();
  }

  /// The chain's invariant: every manifest's parent is the one before it.
  /// Reads only (it runs inside coordinator events).
  std::optional<std::string> chain_error() const {
    for (std::size_t i = 1; i < chain_.size(); ++i)
      if (chain_[i].parent != chain_[i - 1].id)
        return "manifest " + std::to_string(chain_[i].id) + " has parent " + std::to_string(chain_[i].parent) +
               " but follows manifest " + std::to_string(chain_[i - 1].id) +
               (chain_[i - 1].checkpoint ? " (a checkpoint, now lost)" : "");
    return std::nullopt;
  }

  std::uint64_t flushes_published() const { return flushes_published_; }

 private:
  R rt_;
  bool stale_parent_;
  write_faults faults_;
  typename R::mutex flush_lock_{"lsm.flush_lock"};
  typename R::mutex sst_dir_{"lsm.sst_dir"};
  typename R::condvar checkpoint_wake_{"lsm.checkpoint_wake"};
  std::vector<manifest> chain_;
  std::uint64_t next_id_ = 1;
  std::uint64_t memtables_frozen_ = 0;
  std::uint64_t memtables_returned_ = 0;
  std::uint64_t flushes_published_ = 0;
  bool stopping_ = false;
};

/// The engine the coordinator owns: a handle to the database (engine.hpp
/// says why it is a handle).
template <class R>
class engine {
 public:
  using rotated_state = std::uint64_t;  // the frozen memtable
  using outcome = std::uint64_t;        // the SST the stream wrote
  using snapshot_id = std::uint64_t;    // the published manifest

  explicit engine(database<R>& db) : db_(&db) {}

  flushcoord::result<snapshot_id> finalize(std::uint64_t seq, const rotated_state&, outcome&& sst) {
    if (const auto id = db_->publish(sst)) return *id;
    return flushcoord::flush_error{flushcoord::errc::finalize_failed, seq, "manifest write failed"};
  }
  void finalize_failure(std::uint64_t, const rotated_state& memtable, const flushcoord::flush_error&) {
    db_->give_back(memtable);
  }

 private:
  database<R>* db_;
};

}  // namespace lsm

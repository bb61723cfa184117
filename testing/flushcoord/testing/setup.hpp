// flushcoord/testing/setup.hpp — what a user supplies to simulate their engine.
//
// A setup S is a class, constructed fresh for every simulated run:
//
//   using engine = my_engine<flushcoord::sim::runtime>;
//        The user's engine (flushcoord/engine.hpp), instantiated on the
//        simulator's runtime policy. The same template runs on
//        flushcoord::prod::runtime in production.
//   explicit S(flushcoord::testing::run_context ctx);
//        Builds the run's engine state (its sim::mutexes, its manifest...).
//        Called before the run starts: it must not block or spawn.
//   engine make_engine();
//        The handle the coordinator owns (a pointer into S is fine: S
//        outlives every task of the run).
//   engine::rotated_state rotate(std::size_t flush);
//        The engine's rotate step (freeze the memtable...), called by a
//        writer task under the harness's writer lock, just before the
//        coordinator's rotate(); `flush` numbers the scenario's flushes.
//        May take the engine's sim mutexes and sleep. If the coordinator
//        then refuses the rotate (a shutdown won the race), the state is
//        destroyed with no finalize_failure, as in production: whatever
//        it holds must be released by its destructor.
//   result<engine::outcome> stream(const engine::rotated_state&, std::stop_token);
//        What a flush's stream does (write the SST). May sleep on
//        ctx.rt and take sim mutexes. The harness then sleeps what is left
//        of the flush's planned stream time, so keep the virtual time it
//        takes below the generator's (up to 3 ms); injected stream faults
//        (errors, throws, stalls, hangs) are the harness's job: return
//        success unless the engine itself is broken.
//
// Optional members, found by name:
//   void start();  void stop();
//        On the run's main task: after the coordinator is built, and after
//        the final shutdown (or before an early close). Start and join the
//        engine's own tasks (a checkpointer) here, with ctx.rt.spawn.
//   std::optional<std::string> invariant() const;
//        The engine's own invariant, checked after every coordinator event
//        and at the end of the run; a message fails the run as property
//        "engine_invariant". It runs under the coordinator's lock in a
//        noexcept context: read state only, never lock or sleep, never throw.
//   std::optional<std::string> at_end();
//        Checked once after the run, with every task finished (quiescence):
//        e.g. "no frozen memtable is left". Fails as "engine_at_end".
//   static constexpr bool finalize_faults = true;
//        The engine's finalize and finalize_failure consult ctx.faults and
//        fail when told (see injected_faults below). Only then does the
//        generator draw finalize errors, finalize throws and throwing
//        finalize_failures for this engine; without it, none are drawn.
//   static std::uint64_t key(const engine::snapshot_id&);
//        The snapshot as a number, for the outcome oracle's "the ticket
//        resolves to what finalize returned". Not needed when snapshot_id
//        converts to std::uint64_t; without either, snapshots compare equal.
//   static std::uint64_t parent_key(const engine::snapshot_id&);
//        The key of the snapshot this one was published on top of (its
//        manifest's parent), as the engine's finalize linked it. With it,
//        property manifest_chain checks the engine's own links: each
//        publish's parent must be the previous publish, so a finalize that
//        read a stale head fails the run. Only for an engine whose chain
//        holds nothing but the coordinator's publishes (a checkpointer that
//        publishes in between checks its chain in invariant() instead);
//        without it, manifest_chain checks only the publish order.
//
// The harness never calls finalize or finalize_failure itself: the
// coordinator does, through the recording wrapper (recorded_engine.hpp).
#pragma once

#include <chrono>
#include <concepts>
#include <cstdint>
#include <optional>
#include <stop_token>
#include <string>

#include "flushcoord/engine.hpp"
#include "flushcoord/note.hpp"
#include "flushcoord/properties/scenario.hpp"
#include "flushcoord/result.hpp"
#include "flushcoord/sim/runtime.hpp"

namespace flushcoord::testing {

/// An engine's own words in the trace (core/flushcoord/note.hpp).
using flushcoord::note;

/// What the harness asks of the engine's finalize for one flush.
enum class finalize_fault {
  none,             ///< succeed
  error,            ///< return a flush_error (errc::finalize_failed), as a failed manifest write
  throw_exception,  ///< throw (any exception), as a bug or a bad_alloc would
};

/// The run's fault plan for what only the engine can fail: its finalize
/// and its finalize_failure. An engine that sets `finalize_faults` keeps
/// a copy, remembers each rotated state's flush index (rotate's argument),
/// and asks at the point where its finalize would do I/O:
///
///   switch (faults.finalize(state.flush)) {
///     case finalize_fault::error: /* undo, then */ return flush_error{errc::finalize_failed, seq, "..."};
///     case finalize_fault::throw_exception: throw std::runtime_error("...");
///     case finalize_fault::none: break;
///   }
///
/// and, at the end of its finalize_failure, throws when
/// finalize_failure_throws(flush). The outcome oracle expects exactly these
/// failures; an engine that ignores one fails the run (property outcome).
/// In production the engine holds no injected_faults (a null pointer, a
/// policy member; your choice): this is a test seam, like FoundationDB's
/// BUGGIFY points.
class injected_faults {
 public:
  injected_faults() = default;
  explicit injected_faults(const properties::scenario& sc) : sc_(&sc) {}

  finalize_fault finalize(std::size_t flush) const {
    if (sc_ == nullptr || flush >= sc_->flushes.size()) return finalize_fault::none;
    switch (sc_->flushes[flush].what) {
      case properties::fault::finalize_error: return finalize_fault::error;
      case properties::fault::finalize_throw: return finalize_fault::throw_exception;
      default: return finalize_fault::none;
    }
  }
  bool finalize_failure_throws(std::size_t flush) const {
    return sc_ != nullptr && flush < sc_->flushes.size() && sc_->flushes[flush].failure_throws;
  }
  /// The flush's planned engine I/O time (a slow disk; zero for most
  /// flushes). The harness spends it in the writer's rotate step, under
  /// the flush lock. An engine may spend it again where its finalize and
  /// finalize_failure do I/O under that lock, as the model engine does, so
  /// that slow publishes hold up rotates and later landings. Drawn for
  /// every engine, with or without `finalize_faults`.
  std::chrono::nanoseconds io_time(std::size_t flush) const {
    if (sc_ == nullptr || flush >= sc_->flushes.size()) return std::chrono::nanoseconds(0);
    return std::chrono::nanoseconds(sc_->flushes[flush].engine_ns);
  }

 private:
  const properties::scenario* sc_ = nullptr;  // outlives the run
};

/// What a setup gets for one run.
struct run_context {
  sim::runtime rt;                  ///< the run's clock, tasks and sleeps
  std::size_t flushes_planned = 0;  ///< flushes the scenario will rotate (at most)
  injected_faults faults{};         ///< finalize faults (with `finalize_faults` only), I/O times
  /// The lock the harness's writers hold around rotate ("engine.flush_lock",
  /// SPEC §4's flush lock; never null in a run). An engine whose finalize
  /// takes the same lock as the writer's rotate step may take this one
  /// rather than a lock of its own, as the model engine does.
  sim::mutex* flush_lock = nullptr;
};

template <class S>
concept setup = std::constructible_from<S, run_context> && engine<typename S::engine> &&
                requires(S& s, std::size_t i, const typename S::engine::rotated_state& st, std::stop_token stop) {
                  { s.make_engine() } -> std::same_as<typename S::engine>;
                  { s.rotate(i) } -> std::convertible_to<typename S::engine::rotated_state>;
                  { s.stream(st, stop) } -> std::convertible_to<result<typename S::engine::outcome>>;
                };

template <class S>
concept has_start_stop = requires(S& s) {
  s.start();
  s.stop();
};

/// Whether S's engine injects the harness's finalize faults.
template <class S>
constexpr bool injects_finalize_faults() {
  if constexpr (requires { { S::finalize_faults } -> std::convertible_to<bool>; })
    return S::finalize_faults;
  else
    return false;
}

template <class S>
concept has_invariant = requires(const S& s) {
  { s.invariant() } -> std::convertible_to<std::optional<std::string>>;
};

template <class S>
concept has_at_end = requires(S& s) {
  { s.at_end() } -> std::convertible_to<std::optional<std::string>>;
};

template <class S>
concept has_parent_key = requires(const typename S::engine::snapshot_id& id) {
  { S::parent_key(id) } -> std::convertible_to<std::uint64_t>;
};

/// The snapshot as a number (see the file comment).
template <class S>
std::uint64_t snapshot_key(const typename S::engine::snapshot_id& id) {
  if constexpr (requires { { S::key(id) } -> std::convertible_to<std::uint64_t>; })
    return S::key(id);
  else if constexpr (std::convertible_to<typename S::engine::snapshot_id, std::uint64_t>)
    return static_cast<std::uint64_t>(id);
  else
    return 0;
}

}  // namespace flushcoord::testing

// flushcoord/engine.hpp — what a storage engine supplies.
//
// An engine type E names three payload types and two callbacks. The library
// never looks inside the payloads:
//
//   E::rotated_state   what rotate froze (the old L0, WAL position, ...).
//                      The stream reads it; finalize reads it again. It is
//                      shared by the stream task and the finalizer, so both
//                      get it by const reference; it is destroyed when the
//                      last of them lets go.
//   E::outcome         what a successful stream produced (the manifest to
//                      publish). Moved into finalize.
//   E::snapshot_id     what a successful finalize returns; tickets resolve
//                      to it. Copyable.
//
//   e.finalize(seq, state, outcome) -> result<snapshot_id>
//        Publishes flush `seq`. Strictly in sequence order, never two at
//        once, never under a coordinator lock (it may take the engine's own
//        locks). It runs on the finalizer task, or on the stream task that
//        delivered the next result in order (that task then publishes every
//        flush ready after it: one hand-off fewer per flush; with streams
//        on a caller's executor, that executor's thread) — never on a
//        caller's thread inside try_acquire_permit, acquire_permit_for,
//        rotate, submit or a rotated_flush's destructor, which may hold the
//        engine's flush lock, nor inside acquire_permit() or
//        ticket::wait(). (Only the prod runtime's opt-in
//        callers_run_streams, off by default and UNSAFE, lets a caller
//        blocked in those two run a stream, of any coordinator on the
//        runtime, and so publish on the caller's thread.) Successive
//        calls may come from different threads; each happens-before the
//        next. An error result or an exception fails the flush with
//        errc::finalize_failed.
//   e.finalize_failure(seq, state, error) -> void
//        Runs instead of finalize when the flush failed before finalize
//        (stream error, throw, timeout, abandon, never ran). Same ordering
//        and threading as finalize. An exception is recorded and ignored.
//
// E itself must be move-constructible: the coordinator takes the engine by
// value and moves it once, at construction, into the shared state that its
// tasks keep alive (engine_movable below; coordinator.hpp static_asserts
// it with a message naming the fix). An engine type holding a std::mutex,
// a std::condition_variable or an atomic is not movable. Keep those where
// they already live, in your storage engine, and make E a small handle to
// it: a pointer or std::shared_ptr to your LSM, whose finalize takes the
// LSM's flush lock. (Why not take the engine by reference? The coordinator
// must never outlive what its tasks call, and §2.4 lets the last task end
// after ~coordinator: owning E, or a shared_ptr inside it, keeps that safe;
// a reference would make the caller prove it.)
//
// Optional: e.on_event(const coordinator_event&) — called under the
// coordinator's lock at each state change, for tests and metrics. It must
// not call back into the coordinator, and must not throw: it is called from
// a noexcept context, so an exception terminates. See events.hpp.
#pragma once

#include <concepts>
#include <cstdint>

#include "flushcoord/error.hpp"
#include "flushcoord/result.hpp"

namespace flushcoord {

template <class E>
concept engine =
    requires {
      typename E::rotated_state;
      typename E::outcome;
      typename E::snapshot_id;
    } && std::copyable<typename E::snapshot_id> &&
    std::move_constructible<typename E::outcome> &&
    requires(E& e, std::uint64_t seq, const typename E::rotated_state& state,
             typename E::outcome&& out, const flush_error& err) {
      {
        e.finalize(seq, state, std::move(out))
      } -> std::convertible_to<result<typename E::snapshot_id>>;
      { e.finalize_failure(seq, state, err) } -> std::same_as<void>;
    };

/// The coordinator moves the engine into its shared state once; see above.
template <class E>
inline constexpr bool engine_movable = std::move_constructible<E>;

}  // namespace flushcoord

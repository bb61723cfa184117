// properties/src/explore_presets.cpp — the named configurations of
// `flushsim explore --preset NAME` (explore.hpp). Together they reach every
// own mutant (tests/search/explore_mutant_test.cpp); docs/model-checking.md
// gives each one's execution count and which mutants it finds.
#include <algorithm>
#include <array>
#include <string>

#include "flushcoord/properties/explore.hpp"

namespace flushcoord::properties {

namespace {

constexpr std::int64_t us = 1'000;

void fixed(explore_options& o) {
  o.flushes = 3;
  o.max_pending = 2;
  o.drains = 1;
  o.shutdowns = 1;
}

/// The fault target: 2 flushes, every fault choice, 1 shutdown.
void faults(explore_options& o) {
  o.flushes = 2;
  o.max_pending = 1;
  o.drains = 0;
  o.shutdowns = 1;
  o.fault_choices = all_fault_choices();
  o.runtime_stop_choice = true;
}

/// Streams that hang past their timeout (ignoring the stop) or finish
/// exactly at their deadline. (A stall, which sleeps on its stop token and
/// so races the stop request, is in `faults`.)
void timeouts(explore_options& o) {
  o.flushes = 2;
  o.max_pending = 1;
  o.drains = 0;
  o.shutdowns = 0;
  o.fault_choices = {fault::none, fault::stream_hang, fault::stream_at_deadline};
}

/// Two writers competing for one permit, a shutdown racing them.
void two_writers(explore_options& o) {
  o.flushes = 2;
  o.max_pending = 1;
  o.drains = 0;
  o.shutdowns = 1;
  o.writers = 2;
}

/// A close at time 0, racing the first rotates and submits and a timed
/// permit acquire.
void close_races(explore_options& o) {
  o.flushes = 2;
  o.max_pending = 1;
  o.drains = 0;
  o.shutdowns = 0;
  o.acquire_for_ns = 300 * us;
  o.close_at_ns = {0};
}

/// One flush and every other way its stream or its engine step can end:
/// non-std throws, the engine's own error, inline submits, a failed
/// rotate step, an abandoned rotation.
void odd_faults(explore_options& o) {
  o.flushes = 1;
  o.max_pending = 1;
  o.drains = 0;
  o.shutdowns = 0;
  o.fault_choices = {fault::none,         fault::stream_throw_int, fault::stream_throw_user, fault::engine_error,
                     fault::inline_submit, fault::inline_error,     fault::rotate_error,      fault::abandon};
}

/// The runtime stops at 0.5 ms, or not: flush 1 is spawned after the stop
/// and never runs.
void runtime_stop(explore_options& o) {
  o.flushes = 2;
  o.max_pending = 1;
  o.drains = 0;
  o.shutdowns = 0;
  o.runtime_stop_choice = true;
}

// The presets below are whole-API scenarios (scenario.hpp's text), each a
// configuration the fixed scenario cannot express.
constexpr const char* header = "max_pending 1\nwriter_gap_ns 0\nliveness_bound_ns 0\n";

void given(explore_options& o, const std::string& body) { o.given = parse_scenario(header + body); }

/// A drain whose wait outlasts its stall timeout while flushes keep
/// finishing: progress, not total time, is what counts (SPEC §2.2).
void drain_progress(explore_options& o) {
  given(o, "flush 1000000 none 0 0\nflush 1000000 none 0 0\ndrain 100000 1200000\n");
}

/// Corpus entry 0003: a deadline passing while the finalizer is busy
/// publishing behind the engine's slow flush lock.
void slow_finalize(explore_options& o) {
  o.given = parse_scenario(
      "max_pending 6\nstream_timeout_ns 1\nwriter_gap_ns 0\nliveness_bound_ns 0\nwriters 3\n"
      "flush 79350 none 0 0 writer=2 engine=204544\nflush 2261264 none 0 0 engine=230009\n");
}

/// Ticket forms: try_get racing an immediate failure whose
/// finalize_failure throws; an async_wait cancelled before its flush ends.
void tickets(explore_options& o) {
  given(o,
        "flush 0 stream_error 0 0 poll=1 failure_throws=1\n"
        "flush 500000 none 0 0 async_wait=1 async_wait_cancel=200000\n");
}

/// A second writer suspended in async_acquire_permit for the one permit.
void async_permits(explore_options& o) {
  given(o, "writers 2\nflush 1000000 none 0 0\nflush 500000 none 0 0 writer=1 async_acquire=1\n");
}

/// The same, with a stop requested while it is suspended.
void async_cancel(explore_options& o) {
  given(o,
        "writers 2\nflush 1000000 none 0 0\n"
        "flush 500000 none 0 0 writer=1 async_acquire=1 async_acquire_cancel=300000\n");
}

/// The same, with close() called while it is suspended.
void async_close(explore_options& o) {
  given(o, "writers 2\nflush 1000000 none 0 0\nflush 500000 none 0 0 writer=1 async_acquire=1\nclose 500000\n");
}

/// A timed permit acquire (2 ms) waiting when close() is called: it must
/// fail at once, not at its timeout, and get no permit.
void timed_close(explore_options& o) {
  given(o, "flush 1000000 none 0 0\nflush 500000 none 0 0 acquire_for=2000000\nclose 500000\n");
}

/// The coordinator destroyed (non-blocking close, SPEC §2.4) with a
/// stream in flight.
void close_in_flight(explore_options& o) { given(o, "flush 1000000 none 0 0\nclose_early 1\n"); }

constexpr std::array presets{
    explore_preset{"fixed", "3 flushes, 2 permits, a drain and a shutdown; no faults (the default)", &fixed},
    explore_preset{"faults", "2 flushes, 1 permit, a shutdown; every fault choice for each flush, and the runtime stop",
                   &faults},
    explore_preset{"timeouts", "2 flushes, 1 permit; each stream ok, hanging past its timeout or finishing at its deadline",
                   &timeouts},
    explore_preset{"two-writers", "2 writers, 1 permit, a shutdown racing both", &two_writers},
    explore_preset{"close-races", "a close at time 0 racing rotate, submit and a timed acquire; 1 permit",
                   &close_races},
    explore_preset{"odd-faults", "1 flush: non-std throws, engine_error, inline submits, rotate_error, abandon",
                   &odd_faults},
    explore_preset{"runtime-stop", "2 flushes, 1 permit; the runtime stops at 0.5 ms or not (never-ran streams)",
                   &runtime_stop},
    explore_preset{"drain-progress", "a drain outlasting its stall timeout while flushes keep finishing",
                   &drain_progress},
    explore_preset{"slow-finalize", "corpus 0003: a deadline passing while the finalizer waits on the engine",
                   &slow_finalize},
    explore_preset{"tickets", "try_get racing a failure whose finalize_failure throws; a cancelled async_wait",
                   &tickets},
    explore_preset{"async-permits", "a second writer suspended in async_acquire_permit for the one permit",
                   &async_permits},
    explore_preset{"async-cancel", "the same, with a stop requested while it is suspended", &async_cancel},
    explore_preset{"async-close", "the same, with close() called while it is suspended", &async_close},
    explore_preset{"timed-close", "a timed permit acquire waiting when close() is called", &timed_close},
    explore_preset{"close-in-flight", "the coordinator destroyed (non-blocking close) with a stream in flight",
                   &close_in_flight},
};

}  // namespace

std::span<const explore_preset> explore_presets() { return presets; }

const explore_preset* find_explore_preset(std::string_view name) {
  const auto it = std::find_if(presets.begin(), presets.end(), [&](const explore_preset& p) { return p.name == name; });
  return it == presets.end() ? nullptr : &*it;
}

}  // namespace flushcoord::properties

// Outcome oracle: every flush ends the way its plan and the run's history
// say it must — success with the snapshot its finalize returned, or the one
// error code that the plan's fault, the stream's virtual duration against
// stream_timeout, an abandon, a close or a runtime stop explains. Every
// call of the workload (acquire, rotate, ticket wait_for and poll, the final
// ticket reads) and last_failure() are judged the same way.
//
// Where virtual time makes two outcomes legitimate, the oracle accepts
// exactly those two ("either A or B", as TigerBeetle's checkers do): a
// stream returning at the very instant of its timeout (success or
// stream_timeout), and anything racing a close (its own outcome or
// shut_down, with the shut-down resolution itself checked for legitimacy).
// docs/outcome-oracle.md lists what the oracle knows and accepts.
//
// Checked online where the history alone decides (a timeout that fires
// early, a shut-down resolution with nothing held, an acquire after close
// that does not fail at once), and at the end for what needs the plan: the
// workload learns a flush's plan only when rotate returns, which may come
// after the flush's first events.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "flushcoord/properties/facts.hpp"
#include "flushcoord/properties/scenario.hpp"
#include "flushcoord/properties/seq_table.hpp"

namespace flushcoord::properties {

/// A set of acceptable outcomes: success and/or some error codes.
class outcome_set {
 public:
  static outcome_set success() { return outcome_set(ok_bit); }
  static outcome_set error(errc c) { return outcome_set(bit(c)); }
  outcome_set operator|(outcome_set o) const { return outcome_set(bits_ | o.bits_); }
  bool has_success() const { return (bits_ & ok_bit) != 0; }
  bool contains(bool ok, errc c) const { return ok ? has_success() : (bits_ & bit(c)) != 0; }
  /// Replaces success by `c` (the stream succeeds but finalize fails).
  outcome_set success_becomes(errc c) const {
    return has_success() ? outcome_set((bits_ & ~ok_bit) | bit(c)) : *this;
  }
  std::string describe() const {
    std::string out;
    auto add = [&](std::string_view s) {
      if (!out.empty()) out += " or ";
      out += s;
    };
    if (has_success()) add("success");
    for (int c = 0; c < static_cast<int>(errc_count); ++c)
      if ((bits_ & bit(static_cast<errc>(c))) != 0) add(to_string(static_cast<errc>(c)));
    return out.empty() ? "nothing" : out;
  }

 private:
  static constexpr std::uint32_t ok_bit = 1u << 31;
  static std::uint32_t bit(errc c) { return 1u << static_cast<unsigned>(c); }
  explicit outcome_set(std::uint32_t b) : bits_(b) {}
  std::uint32_t bits_ = 0;
};

/// What the plan of one flush says its outcome must be, before history
/// (close, runtime stop) widens it. Null for a plan that never rotates.
inline std::optional<outcome_set> planned_outcome(const flush_plan& p, std::optional<std::int64_t> timeout_ns) {
  const std::int64_t runs = stream_duration_ns(p, timeout_ns);
  outcome_set natural = outcome_set::success();  // what it returns if not stopped
  switch (p.what) {
    case fault::rotate_error: return std::nullopt;
    case fault::abandon: return outcome_set::error(errc::abandoned);
    case fault::inline_submit: return outcome_set::success();
    case fault::inline_error: return outcome_set::error(errc::stream_failed);
    case fault::engine_error: return outcome_set::error(errc::engine_failed);
    case fault::stream_error: natural = outcome_set::error(errc::stream_failed); break;
    case fault::stream_throw:
    case fault::stream_throw_int:
    case fault::stream_throw_user: natural = outcome_set::error(errc::stream_threw); break;
    default: break;
  }
  outcome_set expected = natural;
  if (timeout_ns) {
    if (runs > *timeout_ns)
      expected = outcome_set::error(errc::stream_timeout);
    else if (runs == *timeout_ns)  // the stream lands at its deadline: either
      expected = natural | outcome_set::error(errc::stream_timeout);
  }
  if (p.what == fault::finalize_error || p.what == fault::finalize_throw)
    expected = expected.success_becomes(errc::finalize_failed);
  return expected;
}

class outcome_check final : public checker {
 public:
  explicit outcome_check(const run_facts& run)
      : sc_(run.sc), timeout_ns_(run.stream_timeout_ns), available_(run.max_pending),
        flushes_(seq_limit(run.flushes_planned), run.flushes_planned) {}
  std::string_view name() const override { return "outcome"; }

  void observe(const fact& f, const violation_sink& fail) override {
    switch (f.kind) {
      case fact_kind::coordinator: on_event(f, fail); break;
      case fact_kind::flush_rotated: flushes_[f.seq].plan = static_cast<std::int64_t>(f.a); break;
      case fact_kind::finalize_called: flushes_[f.seq].plan = static_cast<std::int64_t>(f.a); break;
      case fact_kind::failure_called: {
        flush& fl = flushes_[f.seq];
        fl.plan = static_cast<std::int64_t>(f.a);
        fl.failure_code = f.code;
        break;
      }
      case fact_kind::manifest_published: flushes_[f.seq].snapshot = f.b; break;
      case fact_kind::runtime_stopped: runtime_stopped_ = true; break;
      case fact_kind::rotate_refused: on_rotate_refused(f, fail); break;
      case fact_kind::acquire_called: on_acquire_called(f); break;
      case fact_kind::acquire_returned: on_acquire_returned(f, fail); break;
      case fact_kind::ticket_waited_for: on_wait_for(f, fail); break;
      case fact_kind::ticket_polled: on_poll(f, fail); break;
      case fact_kind::ticket_read:
        if (f.b == 1) ended_after_cancel(f, "async_wait", fail);
        reads_.push_back(f);
        break;
      case fact_kind::ticket_wait_cancelled: on_wait_cancelled(f, fail); break;
      case fact_kind::ticket_cancel_requested: {
        flush& fl = flushes_[f.seq];
        fl.cancel_before_resolve = !fl.ticket_resolved && !fl.refused;
        fl.cancel_at_ns = f.time_ns;
        break;
      }
      case fact_kind::acquire_cancel_requested:
        if (f.a < calls_.size() && calls_[f.a]) {
          calls_[f.a]->cancel_requested = true;
          calls_[f.a]->cancel_at_ns = f.time_ns;
        }
        break;
      default: break;
    }
  }

  void finish(const end_state& end, const violation_sink& fail) override {
    flushes_.for_each([&](std::uint64_t seq, const flush& fl) {
      if (fl.rotated) judge(seq, fl, fail);
    });
    for (const fact& r : reads_) judge_read(r, "wait()", fail);
    for (const fact& r : deferred_reads_) judge_read(r, "wait_for()/try_get()", fail);
    // failed_count() itself is the diagnostics check's (same events).
    if (end.failed_count) {  // the end state was read: last_failure() too
      if (failed_ == 0 && end.last_failure)
        fail(name(), "last_failure() is set (" + end.last_failure->message + ") but no flush failed");
      else if (failed_ != 0 && (!end.last_failure || end.last_failure->seq != last_failed_seq_ ||
                                end.last_failure->code != last_failed_code_))
        fail(name(), "last_failure() is " + (end.last_failure ? end.last_failure->message : std::string("empty")) +
                         " but the last flush to fail was flush " + std::to_string(last_failed_seq_) + " with " +
                         std::string(to_string(last_failed_code_)));
    }
  }

 private:
  struct flush {
    std::int64_t plan = -1;  // index into scenario::flushes, once known
    bool rotated = false;
    bool submitted = false;  // submit() or spawn_stream() accepted it
    bool refused = false;    // its submission came after close: ticket is shut_down
    bool abandoned = false;
    bool spawned = false;
    bool started = false;
    bool lost = false;
    bool timed_out = false;
    bool finalize_path = false;  // finalize (not finalize_failure) was called
    bool resolved = false;
    bool resolved_ok = false;
    bool ticket_resolved = false;
    errc resolved_code = errc::shut_down;
    errc failure_code = errc::shut_down;  // what finalize_failure was given
    std::int64_t spawned_at_ns = 0;
    std::uint64_t snapshot = 0;
    bool cancel_before_resolve = false;  // an async_wait's stop came while it was unresolved
    std::optional<std::int64_t> cancel_at_ns;  // when the pending async_wait's stop was requested
  };

  /// A call of one writer, open between acquire_called and acquire_returned.
  struct acquire_call {
    std::int64_t at_ns = 0;
    bool closed_at_call = false;
    std::size_t min_available = 0;  // the fewest free permits seen meanwhile
    bool cancel_requested = false;  // async form: a stop was requested meanwhile
    std::int64_t cancel_at_ns = 0;  // ... at this time
  };

  void on_event(const fact& f, const violation_sink& fail) {
    const coordinator_event& e = f.event;
    switch (e.kind) {
      case event_kind::close_begun: closed_ = true; break;
      case event_kind::permit_acquired:
      case event_kind::permit_released:
        available_ = e.count;
        for (auto& c : calls_)
          if (c && available_ < c->min_available) c->min_available = available_;
        break;
      case event_kind::rotated: flushes_[e.seq].rotated = true; break;
      case event_kind::submitted: flushes_[e.seq].submitted = true; break;
      case event_kind::stream_spawned: {
        flush& fl = flushes_[e.seq];
        fl.submitted = fl.spawned = true;
        fl.spawned_at_ns = f.time_ns;
        break;
      }
      case event_kind::submit_refused:
        flushes_[e.seq].refused = true;
        if (!closed_) fail(name(), "flush " + std::to_string(e.seq) + "'s submission was refused while intake was open");
        break;
      case event_kind::abandoned: flushes_[e.seq].abandoned = true; break;
      case event_kind::stream_started: flushes_[e.seq].started = true; break;
      case event_kind::stream_lost: on_lost(f, fail); break;
      case event_kind::stream_timed_out: on_timed_out(f, fail); break;
      case event_kind::finalize_begin: flushes_[e.seq].finalize_path = e.ok; break;
      case event_kind::finalize_end: {
        flush& fl = flushes_[e.seq];
        resolve(e.seq, fl, e.ok, fl.finalize_path ? errc::finalize_failed : fl.failure_code);
        break;
      }
      case event_kind::shut_down_unfinalized: on_shut_down_unfinalized(f, fail); break;
      case event_kind::ticket_resolved: flushes_[e.seq].ticket_resolved = true; break;
      default: break;
    }
  }

  void resolve(std::uint64_t seq, flush& fl, bool ok, errc code) {
    fl.resolved = true;
    fl.resolved_ok = ok;
    fl.resolved_code = code;
    if (!ok) {
      ++failed_;
      last_failed_seq_ = seq;
      last_failed_code_ = code;
    }
  }

  void on_lost(const fact& f, const violation_sink& fail) {
    flush& fl = flushes_[f.event.seq];
    fl.lost = true;
    if (!runtime_stopped_)
      fail(name(), "the stream of flush " + std::to_string(f.event.seq) +
                       " was destroyed unrun although the runtime never stopped");
    if (fl.started)
      fail(name(), "the stream of flush " + std::to_string(f.event.seq) + " was reported lost after it started");
  }

  /// A timeout means what it says: the stream really ran that long.
  void on_timed_out(const fact& f, const violation_sink& fail) {
    flush& fl = flushes_[f.event.seq];
    fl.timed_out = true;
    const std::string who = "flush " + std::to_string(f.event.seq);
    if (!timeout_ns_) {
      fail(name(), who + " timed out but the coordinator has no stream_timeout");
    } else if (!fl.spawned) {
      fail(name(), who + " timed out but its stream was never spawned");
    } else if (f.time_ns - fl.spawned_at_ns < *timeout_ns_) {
      fail(name(), who + " timed out after " + std::to_string(f.time_ns - fl.spawned_at_ns) +
                       "ns, before its stream_timeout of " + std::to_string(*timeout_ns_) + "ns");
    }
  }

  /// Shutdown resolves flushes only once intake is closed and the first
  /// one left can never arrive: it was rotated and never submitted (its
  /// holder still has it, or its submission was refused after close).
  void on_shut_down_unfinalized(const fact& f, const violation_sink& fail) {
    const std::uint64_t seq = f.event.seq;
    flush& fl = flushes_[seq];
    if (!closed_) fail(name(), "flush " + std::to_string(seq) + " was resolved as shut down while intake was open");
    if (!first_shut_down_seen_) {
      first_shut_down_seen_ = true;
      const bool held = fl.rotated && (!fl.submitted || fl.refused) && !fl.abandoned;
      if (!held)
        fail(name(), "flush " + std::to_string(seq) +
                         " was resolved as shut down although it was submitted: the finalizer gave up on a flush "
                         "that could still arrive");
    }
    resolve(seq, fl, false, errc::shut_down);
  }

  void on_rotate_refused(const fact& f, const violation_sink& fail) {
    if (f.code != errc::shut_down || !closed_)
      fail(name(), "rotate of plan " + std::to_string(f.a) + " was refused with " + std::string(to_string(f.code)) +
                       (closed_ ? "" : " while intake was open"));
  }

  void on_acquire_called(const fact& f) {
    if (calls_.size() <= f.a) calls_.resize(f.a + 1);
    calls_[f.a] = acquire_call{f.time_ns, closed_, available_};
  }

  void on_acquire_returned(const fact& f, const violation_sink& fail) {
    if (calls_.size() <= f.a || !calls_[f.a]) return;
    const acquire_call c = *calls_[f.a];
    calls_[f.a].reset();
    const auto form = static_cast<acquire_form>(f.b);
    const std::int64_t waited = f.time_ns - c.at_ns;
    const std::string who = "writer " + std::to_string(f.a) + "'s " + form_name(form) + " acquire";
    if (c.cancel_requested && f.time_ns != c.cancel_at_ns)
      fail(name(), who + " ended " + std::to_string(f.time_ns - c.cancel_at_ns) +
                       "ns after its stop was requested, not at once");
    if (!f.ok && f.code == errc::never_ran) {  // its completion was destroyed unrun
      if (form != acquire_form::async || !runtime_stopped_)
        fail(name(), who + " failed with never_ran" + (runtime_stopped_ ? "" : " although the runtime never stopped"));
      return;
    }
    if (c.closed_at_call) {
      if (f.ok || f.code != errc::shut_down)
        fail(name(), who + " after close returned " + (f.ok ? std::string("a permit") : std::string(to_string(f.code))) +
                         " instead of shut_down");
      else if (waited != 0)
        fail(name(), who + " after close waited " + std::to_string(waited) + "ns instead of failing at once");
      return;
    }
    if (f.ok) return;  // the shutdown check rejects a permit granted after close
    switch (f.code) {
      case errc::shut_down:
        if (!closed_) fail(name(), who + " failed with shut_down while intake was open");
        break;
      case errc::no_permit:
        if (form != acquire_form::try_once)
          fail(name(), who + " failed with no_permit");
        else if (c.min_available != 0)
          fail(name(), who + " failed with no_permit although " + std::to_string(c.min_available) +
                           " permits stayed free throughout");
        break;
      case errc::cancelled:
        if (form != acquire_form::async)
          fail(name(), who + " failed with cancelled");
        else if (!c.cancel_requested)
          fail(name(), who + " was cancelled although nobody requested a stop");
        break;
      case errc::permit_timeout:
        if (form != acquire_form::timed)
          fail(name(), who + " failed with permit_timeout");
        else if (waited < static_cast<std::int64_t>(f.c))
          fail(name(), who + " timed out after " + std::to_string(waited) + "ns, before its timeout of " +
                           std::to_string(f.c) + "ns");
        break;
      default: fail(name(), who + " failed with " + std::string(to_string(f.code)));
    }
  }

  static std::string form_name(acquire_form f) {
    switch (f) {
      case acquire_form::blocking: return "blocking";
      case acquire_form::try_once: return "try";
      case acquire_form::timed: return "timed";
      case acquire_form::async: return "async";
    }
    return "?";
  }

  /// wait_for: ticket_timeout only after the whole timeout and only while
  /// the flush is unresolved; otherwise its outcome (judged at the end).
  void on_wait_for(const fact& f, const violation_sink& fail) {
    const flush fl = flushes_.get(f.seq);
    const std::int64_t waited = f.time_ns - static_cast<std::int64_t>(f.b);
    if (!f.ok && f.code == errc::ticket_timeout) {
      const std::string who = "ticket::wait_for on flush " + std::to_string(f.seq);
      if (fl.ticket_resolved || fl.refused)
        fail(name(), who + " timed out although the ticket was resolved");
      else if (waited < static_cast<std::int64_t>(f.c))
        fail(name(), who + " timed out after " + std::to_string(waited) + "ns, before its timeout of " +
                         std::to_string(f.c) + "ns");
      return;
    }
    if (!fl.ticket_resolved && !fl.refused)
      fail(name(), "ticket::wait_for on flush " + std::to_string(f.seq) + " returned before the ticket was resolved");
    deferred_reads_.push_back(f);
  }

  /// A stop request ends an async ticket wait at once: cancelled, or with
  /// the outcome it already had. No virtual time passes in between (the
  /// completion is posted, and a posted task runs before time moves on).
  void ended_after_cancel(const fact& f, const char* how, const violation_sink& fail) {
    flush& fl = flushes_[f.seq];
    if (!fl.cancel_at_ns) return;
    const std::int64_t late = f.time_ns - *fl.cancel_at_ns;
    fl.cancel_at_ns.reset();
    if (late != 0)
      fail(name(), "ticket " + std::string(how) + " of flush " + std::to_string(f.seq) + " ended " +
                       std::to_string(late) + "ns after its stop was requested, not at once");
  }

  /// An async_wait may end cancelled only if its stop came before the
  /// ticket resolved: once resolved, its completion was already posted.
  void on_wait_cancelled(const fact& f, const violation_sink& fail) {
    ended_after_cancel(f, "async_wait", fail);
    if (!flushes_.get(f.seq).cancel_before_resolve)
      fail(name(), "ticket async_wait of flush " + std::to_string(f.seq) +
                       " completed cancelled although no stop was requested before the ticket resolved");
  }

  void on_poll(const fact& f, const violation_sink& fail) {
    const flush fl = flushes_.get(f.seq);
    const bool resolved = fl.ticket_resolved || fl.refused;
    if (f.b == 0) {
      if (resolved) fail(name(), "ticket::try_get on flush " + std::to_string(f.seq) + " said pending after it was resolved");
      return;
    }
    if (!resolved)
      fail(name(), "ticket::try_get on flush " + std::to_string(f.seq) + " returned an outcome before it was resolved");
    deferred_reads_.push_back(f);
  }

  /// What a ticket handed out for `fl` must say once resolved.
  static std::pair<bool, errc> ticket_outcome(const flush& fl) {
    if (fl.refused) return {false, errc::shut_down};
    return {fl.resolved_ok, fl.resolved_code};
  }

  void judge_read(const fact& r, const char* how, const violation_sink& fail) {
    const flush fl = flushes_.get(r.seq);
    const auto [ok, code] = ticket_outcome(fl);
    const std::string who = "ticket " + std::string(how) + " of flush " + std::to_string(r.seq);
    if (!fl.refused && !fl.resolved) {
      fail(name(), who + " read an outcome but the flush was never resolved");
    } else if (r.ok != ok || (!ok && r.code != code)) {
      fail(name(), who + " read " + (r.ok ? std::string("success") : std::string(to_string(r.code))) +
                       " but the flush resolved with " + (ok ? std::string("success") : std::string(to_string(code))));
    } else if (ok && r.a != fl.snapshot) {
      fail(name(), who + " read snapshot " + std::to_string(r.a) + " but finalize returned " +
                       std::to_string(fl.snapshot));
    }
  }

  void judge(std::uint64_t seq, const flush& fl, const violation_sink& fail) {
    const std::string who = "flush " + std::to_string(seq);
    if (!fl.resolved) {
      fail(name(), who + " was rotated but never resolved");
      return;
    }
    if (!sc_ || fl.plan < 0 || static_cast<std::size_t>(fl.plan) >= sc_->flushes.size()) return;
    const flush_plan& p = sc_->flushes[static_cast<std::size_t>(fl.plan)];
    const std::optional<outcome_set> planned = planned_outcome(p, timeout_ns_);
    if (!planned) {
      fail(name(), who + " was rotated although the engine's rotate step failed");
      return;
    }
    outcome_set accepted = *planned;
    if (closed_) accepted = accepted | outcome_set::error(errc::shut_down);  // shut-down legitimacy: online
    if (fl.lost) accepted = accepted | outcome_set::error(errc::never_ran);  // legitimacy: online
    if (!accepted.contains(fl.resolved_ok, fl.resolved_code))
      fail(name(), who + " (plan " + std::to_string(fl.plan) + ": " + to_string(p.what) + ", stream " +
                       std::to_string(p.stream_ns) + "ns, stream_timeout " +
                       (timeout_ns_ ? std::to_string(*timeout_ns_) + "ns" : std::string("none")) + ") resolved with " +
                       (fl.resolved_ok ? std::string("success") : std::string(to_string(fl.resolved_code))) +
                       ", expected " + accepted.describe());
  }

  const scenario* sc_;
  std::optional<std::int64_t> timeout_ns_;
  std::size_t available_;
  seq_table<flush> flushes_;
  std::vector<std::optional<acquire_call>> calls_;  // by writer
  std::vector<fact> reads_;                         // ticket wait() results
  std::vector<fact> deferred_reads_;                // wait_for / try_get results
  bool closed_ = false;
  bool runtime_stopped_ = false;
  bool first_shut_down_seen_ = false;
  std::uint64_t failed_ = 0;
  std::uint64_t last_failed_seq_ = no_seq;
  errc last_failed_code_ = errc::shut_down;
};

}  // namespace flushcoord::properties

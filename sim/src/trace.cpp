// sim/src/trace.cpp — writing and reading trace files (trace.hpp,
// docs/trace-format.md).
#include "flushcoord/sim/trace.hpp"

#include <algorithm>
#include <array>
#include <charconv>
#include <fstream>
#include <iterator>
#include <system_error>

#include <fmt/format.h>

namespace flushcoord::sim {

namespace {

constexpr std::string_view magic = "flushcoord-trace";
constexpr std::size_t decisions_per_line = 32;
/// Task ids a trace may name. Runs spawn far fewer tasks; the bound keeps a
/// hostile "x#4000000000" from sizing task_names.
constexpr std::uint64_t task_ids_max = 1u << 20;

/// Enumerators are numbered from 0 without gaps and to_string names each
/// one ("unknown" past the last), so the inverse mappings walk the numbers
/// and never need updating when the simulator adds a kind or a class.
constexpr int enumerators_max = 256;

/// Whitespace and '#' would break a label apart: written as '_'.
std::string clean_name(std::string_view name) {
  std::string r(name);
  for (char& c : r)
    if (c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '#') c = '_';
  return r;
}

std::string_view default_name(object_type type) { return type == object_type::mutex ? "mutex" : "condvar"; }

const std::vector<std::string>& names_of(const trace& t, object_type type) {
  return type == object_type::mutex ? t.mutex_names : t.condvar_names;
}

/// A mutex or condvar as the file spells it: "<name>#<id>", the name being
/// "mutex" or "condvar" for an unnamed one.
std::string file_object_label(const trace& t, object_type type, std::uint32_t id) {
  const auto& names = names_of(t, type);
  if (id < names.size() && !names[id].empty()) return fmt::format("{}#{}", clean_name(names[id]), id);
  return fmt::format("{}#{}", default_name(type), id);
}

std::string file_task_label(const trace& t, task_id id) {
  if (id == no_task) return "-";
  if (id < t.task_names.size() && !t.task_names[id].empty()) return fmt::format("{}#{}", clean_name(t.task_names[id]), id);
  return fmt::format("task#{}", id);
}

std::string_view type_word(object_type type) {
  switch (type) {
    case object_type::task: return "task";
    case object_type::mutex: return "mutex";
    case object_type::condvar: return "condvar";
    case object_type::none: break;
  }
  return "none";
}

/// The object column of a runtime event; a wake's says what it is
/// ("condvar:coordinator.progress#3").
std::string file_object_column(const trace& t, const event& e) {
  const object_type type = object_type_of(e);
  if (type == object_type::none) return "-";
  const std::string label =
      type == object_type::task ? file_task_label(t, e.object) : file_object_label(t, type, e.object);
  if (e.kind == event_kind::wake) return fmt::format("{}:{}", type_word(type), label);
  return label;
}

/// Appends `text` as lines, each terminated by '\n' (a missing final newline
/// is added), and returns how many lines that was.
std::size_t append_lines(std::string& out, std::string_view text) {
  if (text.empty()) return 0;
  std::size_t n = 0;
  for (char c : text) n += c == '\n';
  out.append(text);
  if (text.back() != '\n') {
    out.push_back('\n');
    ++n;
  }
  return n;
}

std::string one_line(std::string_view s) {
  std::string r(s);
  for (char& c : r)
    if (c == '\n' || c == '\r') c = ' ';
  return r;
}

void format_header(std::string& out, const trace& t) {
  fmt::format_to(std::back_inserter(out), "seed {}\nstrategy {}\n", t.seed, t.strategy);
  if (t.mutant) fmt::format_to(std::back_inserter(out), "mutant {}\n", *t.mutant);
  if (t.failed) {
    fmt::format_to(std::back_inserter(out), "failure {}\nmessage {}\n", to_string(t.failed->what),
                   one_line(t.failed->message));
  } else {
    out += "failure none\n";
  }
  fmt::format_to(std::back_inserter(out),
                 "steps {}\ndecision_count {}\ndecision_hash 0x{:016x}\nevent_hash 0x{:016x}\n"
                 "end_time_ns {}\n",
                 t.steps, t.decisions.size(), t.decision_hash, t.event_hash, t.end_time_ns);
  if (!t.rerun.empty()) fmt::format_to(std::back_inserter(out), "rerun {}\n", one_line(t.rerun));
  if (t.events_omitted != 0) fmt::format_to(std::back_inserter(out), "events_omitted {}\n", t.events_omitted);
}

void format_text_section(std::string& out, std::string_view name, std::string_view text) {
  std::string body;
  const std::size_t n = append_lines(body, text);
  fmt::format_to(std::back_inserter(out), "{} {}\n", name, n);
  out += body;
}

void format_decisions(std::string& out, const std::vector<decision>& ds) {
  const std::size_t lines = (ds.size() + decisions_per_line - 1) / decisions_per_line;
  fmt::format_to(std::back_inserter(out), "decisions {}\n", lines);
  for (std::size_t i = 0; i < ds.size(); ++i) {
    const bool last_on_line = (i + 1) % decisions_per_line == 0 || i + 1 == ds.size();
    fmt::format_to(std::back_inserter(out), "{}/{}{}", ds[i].index, ds[i].size,
                   last_on_line ? '\n' : ' ');
  }
}

void format_events(std::string& out, const trace& t) {
  auto o = std::back_inserter(out);
  fmt::format_to(o, "events {}\n", t.events.size());
  for (const event& e : t.events) {
    fmt::format_to(o, "{} {} {} {} ", e.step, e.time.count(), file_task_label(t, e.task), to_string(e.kind));
    if (e.kind == event_kind::note) {
      fmt::format_to(o, "{}\n", e.object < t.notes.size() ? std::string_view(t.notes[e.object]) : "");
      continue;
    }
    if (e.kind != event_kind::coordinator) {
      fmt::format_to(o, "{}\n", file_object_column(t, e));
      continue;
    }
    const coordinator_event& c = e.coord;
    fmt::format_to(o, "{} seq={} count={} ok={}\n", to_string(c.kind),
                   c.seq == no_seq ? std::string("-") : std::to_string(c.seq), c.count, c.ok ? 1 : 0);
  }
}

// --- Reading ---------------------------------------------------------------

/// The file as numbered lines, consumed front to back.
class line_reader {
 public:
  explicit line_reader(std::string_view text) : text_(text) {}

  bool at_end() const noexcept { return pos_ >= text_.size(); }
  std::size_t line_number() const noexcept { return line_; }
  /// Byte offset where the next line starts.
  std::size_t offset() const noexcept { return pos_; }

  /// The next line without its '\n'. Requires: !at_end().
  std::string_view next() {
    const std::size_t end = text_.find('\n', pos_);
    const std::size_t stop = end == std::string_view::npos ? text_.size() : end;
    std::string_view line = text_.substr(pos_, stop - pos_);
    pos_ = end == std::string_view::npos ? text_.size() : end + 1;
    ++line_;
    return line;
  }

  /// The next line; a trace_error naming `expected` if the file ended.
  std::string_view require(std::string_view expected) {
    if (at_end())
      throw trace_error(line_ + 1, fmt::format("file ends early (truncated?): expected {}", expected));
    return next();
  }

 private:
  std::string_view text_;
  std::size_t pos_ = 0;
  std::size_t line_ = 0;
};

struct key_value {
  std::string_view key;
  std::string_view value;
};

key_value split_key(std::string_view line) {
  const std::size_t sp = line.find(' ');
  if (sp == std::string_view::npos) return {line, {}};
  return {line.substr(0, sp), line.substr(sp + 1)};
}

template <class Int>
Int parse_number(std::string_view s, std::size_t line, std::string_view what, int base = 10) {
  Int v{};
  const auto [p, ec] = std::from_chars(s.data(), s.data() + s.size(), v, base);
  if (s.empty() || ec != std::errc{} || p != s.data() + s.size())
    throw trace_error(line, fmt::format("bad number '{}' for {}", s, what));
  return v;
}

std::uint64_t parse_hex(std::string_view s, std::size_t line, std::string_view what) {
  if (s.size() < 3 || s.substr(0, 2) != "0x")
    throw trace_error(line, fmt::format("bad hash '{}' for {} (expected 0x and 16 hex digits)", s, what));
  return parse_number<std::uint64_t>(s.substr(2), line, what, 16);
}

void check_word(std::string_view s, std::size_t line, std::string_view what) {
  if (s.empty() || s.find_first_of(" \t\r") != std::string_view::npos)
    throw trace_error(line, fmt::format("{} must be one word, got '{}'", what, s));
}

/// The value of the header's `rerun` line, if the text has one (bounded:
/// it only goes into an error message).
std::string rerun_line_of(std::string_view text) {
  constexpr std::string_view key = "\nrerun ";
  const std::size_t at = text.find(key);
  if (at == std::string_view::npos) return {};
  const std::string_view rest = text.substr(at + key.size(), 400);
  return std::string(rest.substr(0, rest.find('\n')));
}

int parse_version_line(line_reader& in, std::string_view text) {
  if (in.at_end()) throw trace_error(1, fmt::format("empty file: expected 'flushcoord-trace {}'", trace_version));
  const std::string_view first = in.next();
  const auto [word, version] = split_key(first);
  if (word != magic)
    throw trace_error(1, fmt::format("not a flushcoord trace: expected 'flushcoord-trace {}'", trace_version));
  const int v = parse_number<int>(version, 1, "the trace version");
  if (v == 1) {
    const std::string rerun = rerun_line_of(text);
    throw trace_error(1, fmt::format("trace version 1 is not supported (this build reads version {}): it was "
                                     "written before traces kept the coordinator's events; record it again "
                                     "from its scenario and seed{}",
                                     trace_version, rerun.empty() ? std::string() : ": " + rerun));
  }
  if (v != trace_version)
    throw trace_error(1, fmt::format("trace version {} is not supported (this build reads version {})", v,
                                     trace_version));
  return v;
}

std::uint64_t parse_checksum_line(line_reader& in) {
  const std::size_t n = in.line_number() + 1;
  const auto [key, value] = split_key(in.require("'checksum fnv1a64:<hex>'"));
  constexpr std::string_view prefix = "fnv1a64:";
  if (key != "checksum" || value.substr(0, prefix.size()) != prefix)
    throw trace_error(n, "expected 'checksum fnv1a64:<16 hex digits>'");
  return parse_number<std::uint64_t>(value.substr(prefix.size()), n, "the checksum", 16);
}

/// The header's key/value lines, up to the first section line. Every key is
/// allowed once; the required ones must all be there.
struct header_reader {
  explicit header_reader(trace& into) : t(into) {}
  trace& t;
  std::size_t decision_count = 0;
  std::vector<std::string_view> seen;
  std::string_view first_section;  // the 'scenario' line that ended the header
  std::size_t first_section_line = 0;

  void read(line_reader& in) {
    while (true) {
      const std::size_t n = in.line_number() + 1;
      const std::string_view line = in.require("the 'scenario' section");
      const auto [key, value] = split_key(line);
      if (key == "scenario") {
        finish(n);
        first_section = line;
        first_section_line = n;
        return;
      }
      for (std::string_view k : seen)
        if (k == key) throw trace_error(n, fmt::format("key '{}' appears twice", key));
      seen.push_back(key);
      set(key, value, n);
    }
  }

  void set(std::string_view key, std::string_view value, std::size_t n) {
    if (key == "seed") {
      t.seed = parse_number<std::uint64_t>(value, n, "seed");
    } else if (key == "strategy") {
      check_word(value, n, "strategy");
      t.strategy = std::string(value);
    } else if (key == "mutant") {
      check_word(value, n, "mutant");
      t.mutant = std::string(value);
    } else if (key == "failure") {
      set_failure(value, n);
    } else if (key == "message") {
      if (!t.failed) throw trace_error(n, "'message' needs a 'failure' line before it");
      t.failed->message = std::string(value);
    } else if (key == "steps") {
      t.steps = parse_number<std::uint64_t>(value, n, "steps");
    } else if (key == "decision_count") {
      decision_count = parse_number<std::size_t>(value, n, "decision_count");
    } else if (key == "decision_hash") {
      t.decision_hash = parse_hex(value, n, "decision_hash");
    } else if (key == "event_hash") {
      t.event_hash = parse_hex(value, n, "event_hash");
    } else if (key == "end_time_ns") {
      t.end_time_ns = parse_number<std::int64_t>(value, n, "end_time_ns");
    } else if (key == "rerun") {
      t.rerun = std::string(value);
    } else if (key == "events_omitted") {
      t.events_omitted = parse_number<std::uint64_t>(value, n, "events_omitted");
    } else {
      throw trace_error(n, fmt::format("unknown key '{}'", key));
    }
  }

  void set_failure(std::string_view value, std::size_t n) {
    if (value == "none") return;
    const auto c = failure_class_from_string(value);
    if (!c) throw trace_error(n, fmt::format("unknown failure class '{}'", value));
    t.failed = failure{*c, {}, {}};
  }

  void finish(std::size_t n) const {
    for (std::string_view k : {"seed", "strategy", "failure", "steps", "decision_count", "decision_hash",
                               "event_hash", "end_time_ns"}) {
      bool found = false;
      for (std::string_view s : seen) found = found || s == k;
      if (!found) throw trace_error(n, fmt::format("header lacks the '{}' line", k));
    }
    if (t.failed) {
      bool has_message = false;
      for (std::string_view s : seen) has_message = has_message || s == "message";
      if (!has_message) throw trace_error(n, "header lacks the 'message' line of its failure");
    }
  }
};

/// Reads "<name> <count>" and returns count; `line` is the section's line.
std::size_t section_count(std::string_view line, std::size_t n, std::string_view name) {
  const auto [key, value] = split_key(line);
  if (key != name)
    throw trace_error(n, fmt::format("expected the '{}' section, got '{}'", name, line.substr(0, 40)));
  return parse_number<std::size_t>(value, n, fmt::format("the line count of section '{}'", name));
}

std::string read_text_section(line_reader& in, std::string_view name, std::size_t count) {
  std::string text;
  for (std::size_t i = 0; i < count; ++i) {
    text += in.require(fmt::format("line {} of {} in section '{}'", i + 1, count, name));
    text += '\n';
  }
  return text;
}

decision parse_decision(std::string_view word, std::size_t n) {
  const std::size_t slash = word.find('/');
  if (slash == std::string_view::npos)
    throw trace_error(n, fmt::format("bad decision '{}' (expected index/size)", word));
  decision d{parse_number<std::uint32_t>(word.substr(0, slash), n, "a decision's index"),
             parse_number<std::uint32_t>(word.substr(slash + 1), n, "a decision's size")};
  if (d.size < 2 || d.index >= d.size)
    throw trace_error(n, fmt::format("impossible decision '{}' (needs index < size, size >= 2)", word));
  return d;
}

void read_decisions(line_reader& in, std::size_t lines, trace& t) {
  for (std::size_t i = 0; i < lines; ++i) {
    const std::string_view line = in.require("a line of the 'decisions' section");
    const std::size_t n = in.line_number();
    std::size_t pos = 0;
    while (pos < line.size()) {
      std::size_t end = line.find(' ', pos);
      if (end == std::string_view::npos) end = line.size();
      if (end > pos) t.decisions.push_back(parse_decision(line.substr(pos, end - pos), n));
      pos = end + 1;
    }
  }
}

struct label_parts {
  std::string_view name;
  std::uint32_t id;
};

/// Splits "name#id" into its parts.
label_parts split_label(std::string_view label, std::size_t n) {
  const std::size_t hash = label.rfind('#');
  if (hash == std::string_view::npos || hash == 0)
    throw trace_error(n, fmt::format("bad label '{}' (expected name#number or -)", label));
  const auto id = parse_number<std::uint64_t>(label.substr(hash + 1), n, "a label's number");
  if (id >= task_ids_max) throw trace_error(n, fmt::format("number in '{}' is out of range", label));
  return {label.substr(0, hash), static_cast<std::uint32_t>(id)};
}

/// Records `name` for `id` in `names`; an id has one name.
void learn_name(std::vector<std::string>& names, std::uint32_t id, std::string_view name, std::size_t n,
                std::string_view what) {
  if (names.size() <= id) names.resize(id + 1);
  std::string& known = names[id];
  if (known.empty()) known = std::string(name);
  if (known != name) throw trace_error(n, fmt::format("{} #{} is named both '{}' and '{}'", what, id, known, name));
}

task_id parse_task_label(std::string_view label, std::size_t n, trace& t) {
  if (label == "-") return no_task;
  const label_parts p = split_label(label, n);
  learn_name(t.task_names, p.id, p.name, n, "task");
  return p.id;
}

std::uint32_t parse_object_label(std::string_view label, object_type type, std::size_t n, trace& t) {
  if (type == object_type::task) return parse_task_label(label, n, t);
  if (type == object_type::none) {
    if (label != "-") throw trace_error(n, fmt::format("unexpected object '{}' (this kind has none: -)", label));
    return 0;
  }
  const label_parts p = split_label(label, n);
  if (p.id == 0) throw trace_error(n, fmt::format("bad object '{}' (object numbers start at 1)", label));
  // An unnamed object is written under its type's default name, which
  // forget_default_names() turns back into "no name" once all are read.
  learn_name(type == object_type::mutex ? t.mutex_names : t.condvar_names, p.id, p.name, n, type_word(type));
  return p.id;
}

/// A wake's object column: "-" or "<type>:<label>".
void parse_wake_object(std::string_view column, std::size_t n, trace& t, event& e) {
  if (column == "-") return;
  const std::size_t colon = column.find(':');
  const std::string_view word = column.substr(0, colon);
  object_type type = object_type::none;
  for (object_type c : {object_type::task, object_type::mutex, object_type::condvar})
    if (word == type_word(c)) type = c;
  if (colon == std::string_view::npos || type == object_type::none)
    throw trace_error(n, fmt::format("bad wake object '{}' (expected task:, mutex: or condvar: and a label, or -)",
                                     column));
  e.woken_on = type;
  e.object = parse_object_label(column.substr(colon + 1), type, n, t);
}

/// `key=value` with the expected key; returns the value.
std::string_view keyed(std::string_view field, std::string_view key, std::size_t n) {
  if (field.size() <= key.size() || field.substr(0, key.size()) != key || field[key.size()] != '=')
    throw trace_error(n, fmt::format("bad coordinator event field '{}' (expected {}=...)", field, key));
  return field.substr(key.size() + 1);
}

void parse_coordinator_fields(const std::array<std::string_view, 8>& f, std::size_t n, event& e) {
  const auto kind = coordinator_event_kind_from_string(f[4]);
  if (!kind) throw trace_error(n, fmt::format("unknown coordinator event '{}'", f[4]));
  e.coord.kind = *kind;
  const std::string_view seq = keyed(f[5], "seq", n);
  e.coord.seq = seq == "-" ? no_seq : parse_number<std::uint64_t>(seq, n, "a coordinator event's seq");
  e.coord.count = parse_number<std::uint64_t>(keyed(f[6], "count", n), n, "a coordinator event's count");
  const std::string_view ok = keyed(f[7], "ok", n);
  if (ok != "0" && ok != "1") throw trace_error(n, fmt::format("bad ok={} (expected 0 or 1)", ok));
  e.coord.ok = ok == "1";
}

/// A note event: `step time_ns task note <text>`, the text being the rest of
/// the line, spaces and all (possibly empty). Requires: the 4th field is
/// "note"; `kind_end` is where it ends in `line`.
event parse_note_event(std::string_view line, std::size_t kind_end, std::size_t n, trace& t) {
  const std::size_t a = line.find(' '), b = line.find(' ', a + 1), c = line.find(' ', b + 1);
  event e;
  e.step = parse_number<std::uint64_t>(line.substr(0, a), n, "an event's step");
  e.time = std::chrono::nanoseconds(parse_number<std::int64_t>(line.substr(a + 1, b - a - 1), n, "an event's time"));
  e.task = parse_task_label(line.substr(b + 1, c - b - 1), n, t);
  e.kind = event_kind::note;
  e.object = static_cast<std::uint32_t>(t.notes.size());
  t.notes.emplace_back(kind_end < line.size() ? line.substr(kind_end + 1) : std::string_view());
  return e;
}

event parse_event(std::string_view line, std::size_t n, trace& t) {
  // Notes carry free text: tell them apart before splitting into fields.
  {
    std::size_t at = 0;
    for (int i = 0; i < 3 && at != std::string_view::npos; ++i) {
      at = line.find(' ', at);
      if (at != std::string_view::npos) ++at;
    }
    if (at != std::string_view::npos && line.substr(at, 4) == "note" &&
        (at + 4 == line.size() || line[at + 4] == ' '))
      return parse_note_event(line, at + 4, n, t);
  }
  std::array<std::string_view, 8> f;
  std::size_t fields = 0;
  for (std::size_t pos = 0; pos <= line.size();) {
    std::size_t end = line.find(' ', pos);
    if (end == std::string_view::npos) end = line.size();
    if (fields == f.size() || end == pos)
      throw trace_error(n, "bad event (expected: step time_ns task kind object)");
    f[fields++] = line.substr(pos, end - pos);
    pos = end + 1;
  }
  if (fields < 5) throw trace_error(n, "bad event (expected: step time_ns task kind object)");
  event e;
  e.step = parse_number<std::uint64_t>(f[0], n, "an event's step");
  e.time = std::chrono::nanoseconds(parse_number<std::int64_t>(f[1], n, "an event's time"));
  e.task = parse_task_label(f[2], n, t);
  const auto kind = event_kind_from_string(f[3]);
  if (!kind) throw trace_error(n, fmt::format("unknown event kind '{}'", f[3]));
  e.kind = *kind;
  if (e.kind == event_kind::coordinator) {
    if (fields != 8) throw trace_error(n, "bad coordinator event (expected: step time_ns task coordinator kind "
                                          "seq=S count=C ok=B)");
    parse_coordinator_fields(f, n, e);
    return e;
  }
  if (fields != 5) throw trace_error(n, "bad event (expected: step time_ns task kind object)");
  if (e.kind == event_kind::wake)
    parse_wake_object(f[4], n, t, e);
  else
    e.object = parse_object_label(f[4], object_type_of(e.kind), n, t);
  return e;
}

void forget_default_names(std::vector<std::string>& names, object_type type) {
  for (std::string& name : names)
    if (name == default_name(type)) name.clear();
}

void read_events(line_reader& in, std::size_t count, trace& t) {
  for (std::size_t i = 0; i < count; ++i) {
    const std::string_view line = in.require("an event line");
    t.events.push_back(parse_event(line, in.line_number(), t));
  }
  forget_default_names(t.mutex_names, object_type::mutex);
  forget_default_names(t.condvar_names, object_type::condvar);
}

void read_sections(line_reader& in, header_reader& h, trace& t) {
  t.scenario = read_text_section(in, "scenario", section_count(h.first_section, h.first_section_line, "scenario"));
  const auto next_count = [&](std::string_view name) {
    const std::string_view line = in.require(fmt::format("the '{}' section", name));
    return section_count(line, in.line_number(), name);
  };
  const std::string report = read_text_section(in, "report", next_count("report"));
  if (t.failed) t.failed->report = report;
  read_decisions(in, next_count("decisions"), t);
  if (t.decisions.size() != h.decision_count)
    throw trace_error(in.line_number(), fmt::format("the 'decisions' section holds {} decisions, the header says {}",
                                                    t.decisions.size(), h.decision_count));
  read_events(in, next_count("events"), t);
  if (in.require("the 'end' line") != "end") throw trace_error(in.line_number(), "expected 'end'");
  if (!in.at_end()) throw trace_error(in.line_number() + 1, "text after the 'end' line");
}

}  // namespace

namespace {

bool same(const std::optional<failure>& a, const std::optional<failure>& b) {
  if (a.has_value() != b.has_value()) return false;
  return !a || (a->what == b->what && a->message == b->message && a->report == b->report);
}

bool same(const coordinator_event& x, const coordinator_event& y) {
  return x.kind == y.kind && x.seq == y.seq && x.count == y.count && x.ok == y.ok;
}

bool same(const std::vector<event>& a, const std::vector<event>& b) {
  return std::equal(a.begin(), a.end(), b.begin(), b.end(), [](const event& x, const event& y) {
    return x.step == y.step && x.time == y.time && x.kind == y.kind && x.task == y.task && x.object == y.object &&
           x.woken_on == y.woken_on && same(x.coord, y.coord);
  });
}

/// Names compare as the file keeps them: trailing unnamed entries and
/// names that only exist in memory are not part of a trace's content.
bool same_names(const std::vector<std::string>& a, const std::vector<std::string>& b) {
  const std::size_t n = std::max(a.size(), b.size());
  for (std::size_t i = 0; i < n; ++i) {
    const std::string_view x = i < a.size() ? std::string_view(a[i]) : std::string_view();
    const std::string_view y = i < b.size() ? std::string_view(b[i]) : std::string_view();
    if (x != y) return false;
  }
  return true;
}

}  // namespace

bool operator==(const trace& a, const trace& b) {
  return a.seed == b.seed && a.strategy == b.strategy && a.mutant == b.mutant && same(a.failed, b.failed) &&
         a.steps == b.steps && a.decision_hash == b.decision_hash && a.event_hash == b.event_hash &&
         a.end_time_ns == b.end_time_ns && a.rerun == b.rerun && a.scenario == b.scenario &&
         a.decisions == b.decisions && same(a.events, b.events) && a.events_omitted == b.events_omitted &&
         same_names(a.task_names, b.task_names) && same_names(a.mutex_names, b.mutex_names) &&
         same_names(a.condvar_names, b.condvar_names) && a.notes == b.notes;
}

trace_error::trace_error(std::size_t line, const std::string& what)
    : std::runtime_error(line == 0 ? what : fmt::format("line {}: {}", line, what)), line_(line) {}

std::uint64_t trace_checksum(std::string_view body) noexcept {
  std::uint64_t h = fnv1a64::offset_basis;
  for (unsigned char c : body) {
    h ^= c;
    h *= fnv1a64::prime;
  }
  return h;
}

std::string format_trace(const trace& t) {
  std::string body;
  format_header(body, t);
  format_text_section(body, "scenario", t.scenario);
  format_text_section(body, "report", t.failed ? std::string_view(t.failed->report) : std::string_view());
  format_decisions(body, t.decisions);
  format_events(body, t);
  body += "end\n";
  return fmt::format("{} {}\nchecksum fnv1a64:{:016x}\n{}", magic, trace_version, trace_checksum(body), body);
}

trace parse_trace(std::string_view text) {
  line_reader in(text);
  parse_version_line(in, text);
  const std::uint64_t checksum = parse_checksum_line(in);
  const std::size_t body_start = in.offset();
  trace t;
  header_reader h(t);
  h.read(in);
  read_sections(in, h, t);
  const std::uint64_t actual = trace_checksum(text.substr(body_start));
  if (actual != checksum)
    throw trace_error(2, fmt::format("checksum mismatch: the file says {:016x}, its content hashes to {:016x} "
                                     "(the file was edited or damaged)",
                                     checksum, actual));
  return t;
}

void save_trace(const std::filesystem::path& path, const trace& t) {
  const std::string text = format_trace(t);
  std::filesystem::path tmp = path;
  tmp += ".tmp";
  {
    std::ofstream out(tmp, std::ios::binary | std::ios::trunc);
    out.write(text.data(), static_cast<std::streamsize>(text.size()));
    out.close();
    if (!out) throw std::runtime_error(fmt::format("cannot write {}", tmp.string()));
  }
  std::error_code ec;
  std::filesystem::rename(tmp, path, ec);
  if (ec) throw std::runtime_error(fmt::format("cannot rename {} to {}: {}", tmp.string(), path.string(), ec.message()));
}

trace load_trace(const std::filesystem::path& path) {
  std::error_code ec;
  const auto status = std::filesystem::status(path, ec);
  if (ec || !std::filesystem::exists(status)) throw trace_error(0, fmt::format("{}: no such file", path.string()));
  if (!std::filesystem::is_regular_file(status))
    throw trace_error(0, fmt::format("{}: not a regular file", path.string()));
  const auto size = std::filesystem::file_size(path, ec);
  if (ec || size > trace_file_bytes_max)
    throw trace_error(0, fmt::format("{}: unreadable or larger than {} bytes", path.string(), trace_file_bytes_max));
  std::ifstream in(path, std::ios::binary);
  std::string text(static_cast<std::size_t>(size), '\0');
  in.read(text.data(), static_cast<std::streamsize>(size));
  if (!in) throw trace_error(0, fmt::format("{}: read error", path.string()));
  return parse_trace(text);
}

std::string task_label(const trace& t, task_id id) {
  if (id == no_task) return "-";
  if (id < t.task_names.size() && !t.task_names[id].empty()) return fmt::format("{}#{}", t.task_names[id], id);
  return fmt::format("task#{}", id);
}

std::string object_name(const trace& t, object_type type, std::uint32_t id) {
  switch (type) {
    case object_type::none: return "-";
    case object_type::task: return task_label(t, id);
    case object_type::mutex:
    case object_type::condvar: {
      const auto& names = names_of(t, type);
      if (id < names.size() && !names[id].empty()) return names[id];
      return fmt::format("{}#{}", default_name(type), id);
    }
  }
  return "-";
}

std::string note_text(const trace& t, const event& e) {
  return e.kind == event_kind::note && e.object < t.notes.size() ? t.notes[e.object] : std::string();
}

std::string object_label(const trace& t, const event& e) {
  const object_type type = object_type_of(e);
  if (type != object_type::task && e.object == 0) return "-";
  return object_name(t, type, e.object);
}

std::optional<failure_class> failure_class_from_string(std::string_view s) noexcept {
  for (int i = 0; i < enumerators_max; ++i) {
    const auto c = static_cast<failure_class>(i);
    if (to_string(c) == "unknown") break;
    if (to_string(c) == s) return c;
  }
  return std::nullopt;
}

std::optional<event_kind> event_kind_from_string(std::string_view s) noexcept {
  for (int i = 0; i < enumerators_max; ++i) {
    const auto k = static_cast<event_kind>(i);
    if (to_string(k) == "unknown") break;
    if (to_string(k) == s) return k;
  }
  return std::nullopt;
}

std::optional<flushcoord::event_kind> coordinator_event_kind_from_string(std::string_view s) noexcept {
  for (int i = 0; i < enumerators_max; ++i) {
    const auto k = static_cast<flushcoord::event_kind>(i);
    if (to_string(k) == "unknown") break;
    if (to_string(k) == s) return k;
  }
  return std::nullopt;
}

}  // namespace flushcoord::sim

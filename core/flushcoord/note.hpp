// flushcoord/note.hpp — an engine's own words in a simulated run's trace.
//
//   flushcoord::note(rt_, "checkpoint published");
//
// Engine code is written once over the runtime policy R. On the simulator's
// runtime this records a `note` event on the calling task, which
// `flushsim show` (and a testing::main binary's show) prints between the
// coordinator's events, and the Perfetto export marks on the task's track.
// On a runtime without notes (prod::runtime) it compiles to nothing, so
// the call can stay in production code. Never a scheduling point, never
// throws; a newline in the text becomes a space.
#pragma once

#include <string_view>

namespace flushcoord {

template <class R>
void note(const R& rt, std::string_view text) noexcept {
  if constexpr (requires { rt.note(text); }) rt.note(text);
}

}  // namespace flushcoord

// sim/src/asan.hpp — AddressSanitizer fiber annotations (private header).
//
// ASan tracks one stack per thread. When we switch stacks by hand it must be
// told, or it reports false stack-buffer overflows and, with
// detect_stack_use_after_return, frees live fake frames. The protocol
// (sanitizer/common_interface_defs.h): call start_switch_fiber just before a
// switch, naming the destination stack, and finish_switch_fiber right after
// arriving, on the destination. A fiber about to die passes a null save slot
// so ASan frees its fake stack.
//
// Two ways ASan can be present, and both must be served:
//   * this library itself is compiled with ASan (our asan-ubsan preset):
//     the calls are made directly;
//   * this library is compiled plainly (the installed libflushcoord_sim.a)
//     but linked into a user's program built with -fsanitize=address. The
//     user's task code is instrumented, so ASan sees its frames on our
//     stacks and must be told about every switch just the same. The entry
//     points are then declared weak: the ASan runtime, when linked, defines
//     them; otherwise their addresses are null and the calls are skipped.
// Without ASan either way this costs one predictable branch per switch.
#pragma once

#include <cstddef>

#if defined(__SANITIZE_ADDRESS__)
#define FLUSHCOORD_SIM_ASAN 1
#elif defined(__has_feature)
#if __has_feature(address_sanitizer)
#define FLUSHCOORD_SIM_ASAN 1
#endif
#endif

#if defined(FLUSHCOORD_SIM_ASAN)
#include <sanitizer/asan_interface.h>
#include <sanitizer/common_interface_defs.h>
#else
// The sanitizer interface, as <sanitizer/common_interface_defs.h> and
// <sanitizer/asan_interface.h> declare it, but weak: null unless the program
// links the ASan runtime.
extern "C" {
__attribute__((weak)) void __sanitizer_start_switch_fiber(void** fake_stack_save, const void* bottom,
                                                          std::size_t size);
__attribute__((weak)) void __sanitizer_finish_switch_fiber(void* fake_stack_save, const void** bottom_old,
                                                           std::size_t* size_old);
__attribute__((weak)) void __asan_unpoison_memory_region(void const volatile* addr, std::size_t size);
}
#endif

namespace flushcoord::sim::detail {

/// Whether ASan is in the program: compiled into this library, or linked
/// into the user's program around it.
inline bool asan_active() noexcept {
#if defined(FLUSHCOORD_SIM_ASAN)
  return true;
#else
  return &__sanitizer_start_switch_fiber != nullptr;
#endif
}

inline void asan_start_switch(void** fake_stack_save, const void* bottom, std::size_t size) {
#if !defined(FLUSHCOORD_SIM_ASAN)
  if (&__sanitizer_start_switch_fiber == nullptr) return;
#endif
  __sanitizer_start_switch_fiber(fake_stack_save, bottom, size);
}

inline void asan_finish_switch(void* fake_stack_save, const void** old_bottom,
                               std::size_t* old_size) {
#if !defined(FLUSHCOORD_SIM_ASAN)
  if (&__sanitizer_finish_switch_fiber == nullptr) return;
#endif
  __sanitizer_finish_switch_fiber(fake_stack_save, old_bottom, old_size);
}

/// Clears stale poisoning of a recycled stack (frames abandoned by a fiber
/// that never returned through them, e.g. the entry frame).
inline void asan_unpoison(void* bottom, std::size_t size) {
#if !defined(FLUSHCOORD_SIM_ASAN)
  if (&__asan_unpoison_memory_region == nullptr) return;
#endif
  __asan_unpoison_memory_region(bottom, size);
}

}  // namespace flushcoord::sim::detail

// sim/src/asan.hpp — AddressSanitizer fiber annotations (private header).
//
// ASan tracks one stack per thread. When we switch stacks by hand it must be
// told, or it reports false stack-buffer overflows and, with
// detect_stack_use_after_return, frees live fake frames. The protocol
// (sanitizer/common_interface_defs.h): call start_switch_fiber just before a
// switch, naming the destination stack, and finish_switch_fiber right after
// arriving, on the destination. A fiber about to die passes a null save slot
// so ASan frees its fake stack. Without ASan these compile to nothing.
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
#endif

namespace flushcoord::sim::detail {

inline constexpr bool asan_enabled =
#if defined(FLUSHCOORD_SIM_ASAN)
    true;
#else
    false;
#endif

inline void asan_start_switch(void** fake_stack_save, const void* bottom, std::size_t size) {
#if defined(FLUSHCOORD_SIM_ASAN)
  __sanitizer_start_switch_fiber(fake_stack_save, bottom, size);
#else
  (void)fake_stack_save, (void)bottom, (void)size;
#endif
}

inline void asan_finish_switch(void* fake_stack_save, const void** old_bottom,
                               std::size_t* old_size) {
#if defined(FLUSHCOORD_SIM_ASAN)
  __sanitizer_finish_switch_fiber(fake_stack_save, old_bottom, old_size);
#else
  (void)fake_stack_save, (void)old_bottom, (void)old_size;
#endif
}

/// Clears stale poisoning of a recycled stack (frames abandoned by a fiber
/// that never returned through them, e.g. the entry frame).
inline void asan_unpoison(void* bottom, std::size_t size) {
#if defined(FLUSHCOORD_SIM_ASAN)
  __asan_unpoison_memory_region(bottom, size);
#else
  (void)bottom, (void)size;
#endif
}

}  // namespace flushcoord::sim::detail

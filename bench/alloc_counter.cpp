// bench/alloc_counter.cpp — replacement global operator new/delete that keep
// live-byte counters (relaxed atomics: cheap, and exact once threads join).
#include "alloc_counter.hpp"

#include <malloc.h>

#include <atomic>
#include <cstddef>
#include <cstdlib>
#include <new>

namespace {

std::atomic<std::int64_t> chunks{0};
std::atomic<std::int64_t> blocks{0};

constexpr std::int64_t chunk_header = sizeof(std::size_t);

void* counted(std::size_t n, std::size_t align) {
  void* p = align <= alignof(std::max_align_t) ? std::malloc(n == 0 ? 1 : n)
                                               : std::aligned_alloc(align, (n + align - 1) / align * align);
  if (p == nullptr) throw std::bad_alloc();
  chunks.fetch_add(static_cast<std::int64_t>(malloc_usable_size(p)) + chunk_header,
                   std::memory_order_relaxed);
  blocks.fetch_add(1, std::memory_order_relaxed);
  return p;
}

void uncounted(void* p) noexcept {
  if (p == nullptr) return;
  chunks.fetch_sub(static_cast<std::int64_t>(malloc_usable_size(p)) + chunk_header,
                   std::memory_order_relaxed);
  blocks.fetch_sub(1, std::memory_order_relaxed);
  std::free(p);
}


}  // namespace

namespace bench::alloc {
snapshot live() {
  return snapshot{chunks.load(), blocks.load()};
}
}  // namespace bench::alloc

void* operator new(std::size_t n) { return counted(n, 0); }
void* operator new[](std::size_t n) { return counted(n, 0); }
void* operator new(std::size_t n, std::align_val_t a) { return counted(n, static_cast<std::size_t>(a)); }
void* operator new[](std::size_t n, std::align_val_t a) { return counted(n, static_cast<std::size_t>(a)); }
void* operator new(std::size_t n, const std::nothrow_t&) noexcept {
  try { return counted(n, 0); } catch (...) { return nullptr; }
}
void* operator new[](std::size_t n, const std::nothrow_t&) noexcept {
  try { return counted(n, 0); } catch (...) { return nullptr; }
}
void operator delete(void* p) noexcept { uncounted(p); }
void operator delete[](void* p) noexcept { uncounted(p); }
void operator delete(void* p, std::size_t) noexcept { uncounted(p); }
void operator delete[](void* p, std::size_t) noexcept { uncounted(p); }
void operator delete(void* p, std::align_val_t) noexcept { uncounted(p); }
void operator delete[](void* p, std::align_val_t) noexcept { uncounted(p); }
void operator delete(void* p, std::size_t n, std::align_val_t) noexcept { uncounted(p); }
void operator delete[](void* p, std::size_t n, std::align_val_t) noexcept { uncounted(p); }

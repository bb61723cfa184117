// sim/src/stack_pool.cpp — mmap'ed fiber stacks with guard pages.
#include "flushcoord/sim/stack_pool.hpp"

#include <sys/mman.h>
#include <unistd.h>

#include <new>

#include "asan.hpp"

namespace flushcoord::sim {

namespace {

std::size_t page_size() noexcept { return static_cast<std::size_t>(::sysconf(_SC_PAGESIZE)); }

std::size_t round_up(std::size_t n, std::size_t unit) noexcept {
  return (n + unit - 1) / unit * unit;
}

}  // namespace

std::size_t stack_pool::default_size() noexcept {
  return detail::asan_active() ? std::size_t{1} << 20 : std::size_t{256} << 10;
}

stack_pool::stack_pool(std::size_t stack_size)
    : size_(round_up(stack_size == 0 ? default_size() : stack_size, page_size())) {
  free_.reserve(64);
}

stack_pool::~stack_pool() {
  const std::size_t guard = page_size();
  for (const stack& s : free_) ::munmap(static_cast<char*>(s.bottom) - guard, s.size + guard);
}

stack_pool::stack stack_pool::take() {
  if (!free_.empty()) {
    const stack s = free_.back();
    free_.pop_back();
    return s;
  }
  // MAP_NORESERVE: pages are committed on first touch, so generous sizes
  // cost address space, not memory.
  const std::size_t guard = page_size();
  void* base = ::mmap(nullptr, size_ + guard, PROT_READ | PROT_WRITE,
                      MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);
  if (base == MAP_FAILED) throw std::bad_alloc();
  ::mprotect(base, guard, PROT_NONE);
  ++mapped_;
  return stack{static_cast<char*>(base) + guard, size_};
}

void stack_pool::give(stack s) noexcept { free_.push_back(s); }

}  // namespace flushcoord::sim

// flushcoord/sim/stack_pool.hpp — fiber stacks, reused across tasks and runs.
#pragma once

#include <cstddef>
#include <vector>

namespace flushcoord::sim {

/// A free list of equally sized fiber stacks. Each stack is its own mmap
/// with a PROT_NONE guard page below it, so an overflow faults instead of
/// corrupting a neighbour. A stack given back is kept for the next task;
/// the memory is returned to the system only by the pool's destructor.
///
/// Not thread-safe: one pool serves one thread's simulators.
class stack_pool {
 public:
  /// A usable stack region [bottom, bottom + size); it grows down from top().
  struct stack {
    void* bottom = nullptr;
    std::size_t size = 0;
    void* top() const noexcept { return static_cast<char*>(bottom) + size; }
  };

  /// Requires: stack_size > 0. It is rounded up to whole pages.
  explicit stack_pool(std::size_t stack_size);
  ~stack_pool();
  stack_pool(const stack_pool&) = delete;
  stack_pool& operator=(const stack_pool&) = delete;

  /// Returns a free stack, mapping a new one if none is free.
  /// Throws std::bad_alloc if the mapping fails.
  stack take();
  /// Requires: s came from take() of this pool and no fiber runs on it.
  void give(stack s) noexcept;

  std::size_t stack_size() const noexcept { return size_; }
  /// Stacks mapped so far (in use + free): a measure of peak concurrency.
  std::size_t mapped() const noexcept { return mapped_; }

  /// The build's default stack size (see config::stack_size).
  static std::size_t default_size() noexcept;

 private:
  std::size_t size_;
  std::size_t mapped_ = 0;
  std::vector<stack> free_;
};

}  // namespace flushcoord::sim

// flushcoord/sim/detail/task.hpp — the simulator's record of one task.
// Internal: used by simulator.hpp and the sources; not for workloads.
#pragma once

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <memory>
#include <new>
#include <utility>

#include "flushcoord/runtime_policy.hpp"
#include "flushcoord/sim/event.hpp"
#include "flushcoord/sim/ids.hpp"
#include "flushcoord/sim/stack_pool.hpp"

namespace flushcoord::sim::detail {

/// Recycles closure blocks by size class (16-byte classes up to 256 bytes),
/// per thread: a spawn then costs a pop from a free list instead of a
/// malloc/free pair. Blocks go back to the heap when the thread exits.
/// Under AddressSanitizer closures use the heap directly, so use-after-free
/// stays detectable.
struct closure_pool {
  static constexpr std::size_t granule = 16;
  static constexpr std::size_t classes = 16;  // blocks of 16 .. 256 bytes
  void* free[classes] = {};
  ~closure_pool() {
    for (void*& head : free)
      while (head != nullptr) {
        void* next = *static_cast<void**>(head);
        ::operator delete(head);
        head = next;
      }
  }
  static closure_pool& local() noexcept {
    static thread_local closure_pool pool;
    return pool;
  }
  static std::size_t class_of(std::size_t n) noexcept { return (n + granule - 1) / granule - 1; }
};

#if defined(__SANITIZE_ADDRESS__)
#define FLUSHCOORD_SIM_POOL_CLOSURES 0
#elif defined(__has_feature)
#if __has_feature(address_sanitizer)
#define FLUSHCOORD_SIM_POOL_CLOSURES 0
#endif
#endif
#ifndef FLUSHCOORD_SIM_POOL_CLOSURES
#define FLUSHCOORD_SIM_POOL_CLOSURES 1
#endif

/// A type-erased, move-only void() function (std::move_only_function is
/// C++23). One pooled block per spawn, none per scheduling point.
struct closure {
  virtual void call() = 0;
  virtual ~closure() = default;

#if FLUSHCOORD_SIM_POOL_CLOSURES
  static void* operator new(std::size_t n) {
    if (n > closure_pool::granule * closure_pool::classes) return ::operator new(n);
    closure_pool& pool = closure_pool::local();
    const std::size_t c = closure_pool::class_of(n);
    if (void* p = pool.free[c]) {
      pool.free[c] = *static_cast<void**>(p);
      return p;
    }
    return ::operator new((c + 1) * closure_pool::granule);
  }
  static void operator delete(void* p, std::size_t n) noexcept {
    if (n > closure_pool::granule * closure_pool::classes) return ::operator delete(p);
    closure_pool& pool = closure_pool::local();
    const std::size_t c = closure_pool::class_of(n);
    *static_cast<void**>(p) = pool.free[c];
    pool.free[c] = p;
  }
#endif
};

template <class F>
struct closure_of final : closure {
  explicit closure_of(F&& fn) : f(std::move(fn)) {}
  explicit closure_of(const F& fn) : f(fn) {}
  void call() override { f(); }
  F f;
};

template <class F>
std::unique_ptr<closure> make_closure(F&& f) {
  return std::make_unique<closure_of<std::decay_t<F>>>(std::forward<F>(f));
}

/// What a blocked task waits for.
enum class wait_kind : std::uint8_t {
  none,           ///< not blocked (runnable, running, unstarted or finished)
  mutex,          ///< wait_object = mutex id
  condvar,        ///< wait_object = condvar id
  condvar_timed,  ///< wait_object = condvar id, deadline = wait_deadline
  join,           ///< wait_object = joined task id
  sleep,          ///< deadline = wait_deadline
};

struct task;

/// Intrusive FIFO of blocked tasks (through task::next_waiter): a task waits
/// on at most one object at a time, so queues never allocate.
struct waiter_queue {
  task* head = nullptr;
  task* tail = nullptr;
  bool empty() const noexcept { return head == nullptr; }
  void push(task* t) noexcept;
  task* pop() noexcept;
  /// Removes t if queued; returns whether it was.
  bool remove(task* t) noexcept;
};

/// One task. Records are reused across runs and, within a run, once their
/// task has finished (reset()), so their addresses are not stable
/// identities: everything observable uses `id`.
struct task {
  task_id id = no_task;
  const char* name = "";
  task_kind kind = task_kind::stream;
  bool program = false;  ///< spawned as a program task (runtime::spawn(name, f))

  bool started = false;
  bool finished = false;
  bool dropped = false;          ///< destroy the closure without calling it
  bool runnable = false;         ///< member of the simulator's runnable set
  bool timed_out = false;        ///< last timed wait ended by its deadline
  bool in_closure_dtor = false;  ///< the runtime is destroying fn

  /// The operation the task is poised at (scheduler.hpp, next_op).
  event_kind next_kind = event_kind::start;
  std::uint32_t next_object = 0;
  std::uint32_t next_object2 = 0;

  wait_kind waiting = wait_kind::none;
  std::uint32_t wait_object = 0;
  std::chrono::nanoseconds wait_deadline{0};
  std::uint64_t wait_cookie = 0;  ///< bumped per block; stale timers mismatch

  task* next_waiter = nullptr;
  waiter_queue joiners;
  std::unique_ptr<closure> fn;

  void* context = nullptr;  ///< fcontext of the suspended fiber, if started
  stack_pool::stack stack;
  void* asan_fake_stack = nullptr;

  std::uint32_t abort_ops = 0;       ///< operations called while aborting
  std::uint32_t abort_rethrows = 0;  ///< times `aborted` was thrown again

  void reset(task_id new_id, const char* new_name, task_kind new_kind,
             std::unique_ptr<closure> new_fn) noexcept;
};

/// A mutex's state, owned by the simulator and indexed by its id. The owner
/// is a task id, not a record: records are recycled once a task finishes.
struct mutex_state {
  task_id owner = no_task;
  waiter_queue waiters;
  const char* name = nullptr;  ///< for reports; nullptr: "mutex#N"
  std::uint32_t birth = 0;     ///< its name in the access log (object_ref::birth)
};

/// A condvar's state, owned by the simulator and indexed by its id.
struct condvar_state {
  waiter_queue waiters;
  const char* name = nullptr;  ///< for reports; nullptr: "condvar#N"
  std::uint32_t birth = 0;     ///< its name in the access log (object_ref::birth)
};

/// A pending deadline. Ordered by (deadline, seq): seq is the order of
/// registration, so simultaneous deadlines fire in a deterministic order.
/// Valid only while the record still belongs to task `owner_id` (records are
/// recycled) and that task still waits with the same cookie.
struct timer {
  std::chrono::nanoseconds deadline{0};
  std::uint64_t seq = 0;
  task* owner = nullptr;
  std::uint64_t cookie = 0;
  task_id owner_id = no_task;
};

/// Heap order for timers: std::*_heap with this comparator keeps the
/// earliest (deadline, seq) at the front.
inline bool timer_later(const timer& a, const timer& b) noexcept {
  if (a.deadline != b.deadline) return a.deadline > b.deadline;
  return a.seq > b.seq;
}

/// How a mutex or condvar object finds its state: the id and the run number
/// it was assigned in (an object reused in a later run gets a new id).
struct object_ref {
  object_id id = 0;
  std::uint64_t run = 0;
  const char* name = nullptr;  ///< given at construction; kept across runs
  /// The object's name in DPOR's access log: who constructed it and which
  /// of its constructions it was (name_birth; simulator::log_access).
  std::uint32_t birth = 0;
};

/// Stamps `ref` with its birth name: the constructing task and its count
/// of constructions so far, or, outside a run, the count of constructions
/// since the thread's last run ended. Called by the constructors.
void name_birth(object_ref& ref) noexcept;

}  // namespace flushcoord::sim::detail

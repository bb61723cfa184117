// sim/src/context_switch.cpp — moving between the scheduler and task fibers.
//
// Why raw fcontext rather than boost::context::fiber: the fiber class makes
// an unannotated stack switch inside its constructor (create_fiber1 jumps
// into fiber_entry and back), which AddressSanitizer cannot follow, and it
// destroys unfinished fibers by throwing forced_unwind through user frames.
// Its ucontext backend has ASan hooks (BOOST_USE_ASAN) but costs a
// sigprocmask system call per switch. Using the fcontext primitives that the
// fiber class is built on (make_fcontext / jump_fcontext, exported by
// libboost_context) we own every switch: two per task switch, each
// annotated for ASan, no allocation, and no exception ever crosses a stack.
//
// Shape: the scheduler loop runs on the OS thread's stack and resumes one
// task at a time; a task returns control by jumping back to the scheduler
// (suspend) or by finishing. Tasks never jump to each other directly.
#include <boost/context/detail/fcontext.hpp>

#include "asan.hpp"
#include "flushcoord/sim/simulator.hpp"

namespace flushcoord::sim {

namespace ctx = boost::context::detail;

/// Befriended by simulator: holds the fiber entry point.
struct context_switch {
  /// First frame of every task fiber. Never returns: after the task
  /// finished it jumps to the scheduler for good and the stack is recycled.
  /// Nothing with a destructor may live in this frame.
  static void entry(ctx::transfer_t from) noexcept {
    auto* sim = static_cast<simulator*>(from.data);
    sim->scheduler_context_ = from.fctx;
    detail::asan_finish_switch(nullptr, &sim->scheduler_stack_bottom_,
                               &sim->scheduler_stack_size_);
    sim->run_current_task();
    // A null save slot tells ASan this fiber's fake stack can be freed.
    detail::asan_start_switch(nullptr, sim->scheduler_stack_bottom_,
                              sim->scheduler_stack_size_);
    ctx::jump_fcontext(sim->scheduler_context_, nullptr);
    __builtin_unreachable();
  }
};

void simulator::resume(detail::task& t) {
  if (t.context == nullptr) {
    t.stack = stacks_->take();
    t.context = ctx::make_fcontext(t.stack.top(), t.stack.size, &context_switch::entry);
  }
  current_ = &t;
  void* fake_stack = nullptr;
  detail::asan_start_switch(&fake_stack, t.stack.bottom, t.stack.size);
  const ctx::transfer_t back = ctx::jump_fcontext(t.context, this);
  detail::asan_finish_switch(fake_stack, nullptr, nullptr);
  current_ = nullptr;
  if (t.finished) {
    // The fiber's last frame is dead; its stack goes back to the pool.
    t.context = nullptr;
    detail::asan_unpoison(t.stack.bottom, t.stack.size);
    stacks_->give(t.stack);
    t.stack = {};
    release_record(t);
  } else {
    t.context = back.fctx;
  }
}

void simulator::suspend(detail::task& me) {
  detail::asan_start_switch(&me.asan_fake_stack, scheduler_stack_bottom_, scheduler_stack_size_);
  const ctx::transfer_t back = ctx::jump_fcontext(scheduler_context_, nullptr);
  detail::asan_finish_switch(me.asan_fake_stack, nullptr, nullptr);
  scheduler_context_ = back.fctx;
}

}  // namespace flushcoord::sim

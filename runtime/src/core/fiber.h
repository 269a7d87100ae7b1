// core/fiber.h — the one seam between green and Boost.Context.
//
// fiber.h/fiber.cpp are the only files that include Boost.Context, and the only
// place that switches stacks, so the sanitizer and valgrind annotations that
// must surround every switch live in one place. fiber_switch is inline: it sits
// on every park, wake and yield, and a call layer more on each side of a stack
// switch is a mispredicted return more per switch.
//
// Protocol: a switch passes a SwitchRecord {from, to} living on the switching
// fiber's stack, or in its hub for a switch made as a tail call (valid until
// that fiber resumes, or until the next switch: both after the record has been
// read). The landing side stores the suspended context into from->context.
// This is the raw jump Boost.Context's own fiber class is built on, without the
// record it allocates per resume.
//
// Annotations:
//  - ASan: __sanitizer_start_switch_fiber before the jump (with a null fake-stack
//    slot when the old fiber is finished, so ASan frees its fake stack),
//    __sanitizer_finish_switch_fiber after landing. The thread stack's bounds
//    are learnt from the first landing back on it (one thread stack per
//    thread: kept in a thread_local, not in every FiberState).
//  - TSan: one TSan fiber per greenlet, __tsan_switch_to_fiber before the jump.
//  - ASan: a reused stack is unpoisoned before its new fiber starts.
//  - valgrind: every mmap'd stack is registered so memcheck does not take a
//    switch for a wild stack-pointer move.
#pragma once

#include <boost/context/detail/fcontext.hpp>

#include "green/detail/fiber_state.h"

#if defined(GREEN_ASAN)
#include <sanitizer/asan_interface.h>
#include <sanitizer/common_interface_defs.h>
#endif
#if defined(GREEN_TSAN)
#include <sanitizer/tsan_interface.h>
#endif

namespace green::detail {

#if defined(GREEN_ASAN)
// The calling thread's own stack, as ASan reported it when a switch landed on it.
struct AsanThreadStack {
  const void* bottom = nullptr;
  std::size_t size = 0;
};
inline thread_local AsanThreadStack asan_thread_stack;
#endif

// FiberEntry: runs on the new stack at its first switch. `from` is the fiber
// that switched in (see fiber_switch). Must never return: it ends by switching
// away with self->finished set.
using FiberEntry = void (*)(FiberState* self, FiberState* from);

// fiber_prepare: make `f` (whose stack_base/stack_size are set) start `entry`.
void fiber_prepare(FiberState& f, FiberEntry entry) noexcept;

// fiber_adopt_thread: make `f` describe the calling thread's own stack.
void fiber_adopt_thread(FiberState& f) noexcept;

// fiber_release: forget a finished (or never started) fiber's annotations.
void fiber_release(FiberState& f) noexcept;

// SavedFrame: where a suspended fiber stopped, read from the registers its
// jump_fcontext saved on its own stack (fiber.cpp knows that save area; the
// gdb extension reads the same layout from green_fcontext_layout). `sp` is the
// stack pointer above the save area, `fp` the frame pointer of the function
// that switched away, `pc` the address it resumes at.
struct SavedFrame {
  const void* sp = nullptr;
  const void* fp = nullptr;
  const void* pc = nullptr;
};

// fiber_saved_frame: the frame a suspended fiber (context set, not running)
// will resume in. False for a fiber that never ran (its context is
// make_fcontext's, not a switch's) or has none. Never switches.
bool fiber_saved_frame(const FiberState& f, bool started, SavedFrame& out) noexcept;

struct SwitchRecord {
  FiberState* from;
  FiberState* to;
};

// fiber_land: the first thing run after any jump, on the stack that was jumped
// to. Returns the fiber that switched in.
inline FiberState* fiber_land(boost::context::detail::transfer_t t) noexcept {
  auto* rec = static_cast<SwitchRecord*>(t.data);
  rec->from->context = t.fctx;
#if defined(GREEN_ASAN)
  const void* bottom = nullptr;
  std::size_t size = 0;
  __sanitizer_finish_switch_fiber(rec->to->sanitizer, &bottom, &size);
  if (!rec->from->stack_base) asan_thread_stack = {bottom, size};  // the thread's own stack: learn its bounds
#endif
  return rec->from;
}

// fiber_announce: what the sanitizers must hear before any jump.
[[gnu::always_inline]] inline void fiber_announce(FiberState& from, FiberState& to) noexcept {
#if defined(GREEN_ASAN)
  if (to.stack_base)
    __sanitizer_start_switch_fiber(from.finished ? nullptr : &from.sanitizer, to.stack_base, to.stack_size);
  else
    __sanitizer_start_switch_fiber(from.finished ? nullptr : &from.sanitizer, asan_thread_stack.bottom,
                                   asan_thread_stack.size);
#endif
#if defined(GREEN_TSAN)
  __tsan_switch_to_fiber(to.sanitizer, 0);
#endif
  (void)from;
  (void)to;
}

// fiber_jump: fiber_switch without the landing, for a caller that ends in it
// as a tail call and lands in its own caller (Hub::yield_switch: a switch
// behind one more function return costs a mispredicted return per switch).
// `rec` must outlive the caller's frame; the landing side passes the result
// to fiber_land. Out of line: GCC makes `return f()` a tail call only when f's
// result is returned as is, which inlining into a temporary would undo.
[[gnu::noinline]] boost::context::detail::transfer_t fiber_jump(FiberState& from, FiberState& to, SwitchRecord& rec);

// fiber_switch: suspend `from`, resume `to`. Returns when something switches
// back to `from`, giving the fiber that did so — if that one is finished, the
// caller may now release its stack (nothing runs on it any more).
[[gnu::always_inline]] inline FiberState* fiber_switch(FiberState& from, FiberState& to) noexcept {
  SwitchRecord rec{&from, &to};
  fiber_announce(from, to);
  return fiber_land(boost::context::detail::jump_fcontext(to.context, &rec));
}

}  // namespace green::detail

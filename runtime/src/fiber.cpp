// fiber.cpp — stack switching with Boost.Context's fcontext, annotated.
//
// Protocol: a switch passes a SwitchRecord {from, to} living on the switching
// fiber's stack (valid until that fiber resumes, which is after the record has
// been read). The landing side stores the suspended context into from->context.
// This is the raw jump Boost.Context's own fiber class is built on, without the
// record it allocates per resume.
//
// Annotations:
//  - ASan: __sanitizer_start_switch_fiber before the jump (with a null fake-stack
//    slot when the old fiber is finished, so ASan frees its fake stack),
//    __sanitizer_finish_switch_fiber after landing. The thread stack's bounds
//    are learnt from the first landing back on it.
//  - TSan: one TSan fiber per greenlet, __tsan_switch_to_fiber before the jump.
//  - ASan: a reused stack is unpoisoned before its new fiber starts.
//  - valgrind: every mmap'd stack is registered so memcheck does not take a
//    switch for a wild stack-pointer move.
#include "fiber.h"

#include <boost/context/detail/fcontext.hpp>

#if defined(GREEN_HAVE_VALGRIND_H)
#include <valgrind/valgrind.h>
#endif
#if defined(GREEN_ASAN)
#include <sanitizer/asan_interface.h>
#include <sanitizer/common_interface_defs.h>
#endif
#if defined(GREEN_TSAN)
#include <sanitizer/tsan_interface.h>
#endif

namespace green::detail {

namespace ctx = boost::context::detail;

namespace {

struct SwitchRecord {
  FiberState* from;
  FiberState* to;
};

// land: the first thing run after any jump, on the stack that was jumped to.
inline FiberState* land(ctx::transfer_t t) noexcept {
  auto* rec = static_cast<SwitchRecord*>(t.data);
  rec->from->context = t.fctx;
#if defined(GREEN_ASAN)
  const void* bottom = nullptr;
  std::size_t size = 0;
  __sanitizer_finish_switch_fiber(rec->to->asan_fake_stack, &bottom, &size);
  if (!rec->from->stack_base) {  // the thread's own stack: learn its bounds
    rec->from->asan_bottom = bottom;
    rec->from->asan_size = size;
  }
#endif
  return rec->from;
}

void trampoline(ctx::transfer_t t) noexcept {
  FiberState* self = static_cast<SwitchRecord*>(t.data)->to;
  auto entry = reinterpret_cast<FiberEntry>(self->entry);
  self->entry = nullptr;
  FiberState* from = land(t);
  entry(self, from);
  __builtin_unreachable();
}

}  // namespace

void fiber_prepare(FiberState& f, FiberEntry entry) noexcept {
  char* top = static_cast<char*>(f.stack_base) + f.stack_size;
  f.context = ctx::make_fcontext(top, f.stack_size, &trampoline);
  f.finished = false;
  f.entry = reinterpret_cast<void*>(entry);
  f.asan_fake_stack = nullptr;
  f.asan_bottom = f.stack_base;
  f.asan_size = f.stack_size;
#if defined(GREEN_ASAN)
  // A pooled stack still carries the redzones of the frames its previous
  // greenlet never returned from (a finished fiber is abandoned, not unwound).
  __asan_unpoison_memory_region(f.stack_base, f.stack_size);
#endif
#if defined(GREEN_HAVE_VALGRIND_H)
  f.valgrind_id = VALGRIND_STACK_REGISTER(f.stack_base, top);
#endif
#if defined(GREEN_TSAN)
  f.tsan_fiber = __tsan_create_fiber(0);
#endif
}

FiberState* fiber_switch(FiberState& from, FiberState& to) noexcept {
  SwitchRecord rec{&from, &to};
#if defined(GREEN_ASAN)
  __sanitizer_start_switch_fiber(from.finished ? nullptr : &from.asan_fake_stack, to.asan_bottom, to.asan_size);
#endif
#if defined(GREEN_TSAN)
  __tsan_switch_to_fiber(to.tsan_fiber, 0);
#endif
  ctx::transfer_t t = ctx::jump_fcontext(to.context, &rec);
  return land(t);
}

void fiber_adopt_thread(FiberState& f) noexcept {
  f.stack_base = nullptr;
  f.stack_size = 0;
#if defined(GREEN_TSAN)
  f.tsan_fiber = __tsan_get_current_fiber();
#endif
}

void fiber_release(FiberState& f) noexcept {
#if defined(GREEN_HAVE_VALGRIND_H)
  if (f.valgrind_id) VALGRIND_STACK_DEREGISTER(f.valgrind_id);
#endif
  f.valgrind_id = 0;
#if defined(GREEN_TSAN)
  if (f.tsan_fiber && f.stack_base) __tsan_destroy_fiber(f.tsan_fiber);
#endif
  f.tsan_fiber = nullptr;
  f.context = nullptr;
}

}  // namespace green::detail

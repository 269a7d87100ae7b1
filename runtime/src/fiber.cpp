// fiber.cpp — the out-of-line half of fiber.h: preparing, adopting and
// releasing fibers (the switch itself is inline in fiber.h).
#include "fiber.h"

#if defined(GREEN_HAVE_VALGRIND_H)
#include <valgrind/valgrind.h>
#endif

namespace green::detail {

namespace ctx = boost::context::detail;

namespace {

void trampoline(ctx::transfer_t t) noexcept {
  FiberState* self = static_cast<SwitchRecord*>(t.data)->to;
  auto entry = reinterpret_cast<FiberEntry>(self->entry);
  self->entry = nullptr;
  FiberState* from = fiber_land(t);
  entry(self, from);
  __builtin_unreachable();
}

}  // namespace

ctx::transfer_t fiber_jump(FiberState& from, FiberState& to, SwitchRecord& rec) {
  rec = SwitchRecord{&from, &to};
  fiber_announce(from, to);
  return ctx::jump_fcontext(to.context, &rec);
}

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

// fiber.cpp — the out-of-line half of fiber.h: preparing, adopting and
// releasing fibers (the switch itself is inline in fiber.h).
#include "fiber.h"

#if defined(GREEN_HAVE_VALGRIND_H)
#include <valgrind/valgrind.h>
#endif

namespace green::detail {

namespace ctx = boost::context::detail;

namespace {

// The entry function waits in the new stack's top slot for the first switch
// in (where it costs no FiberState field). 16 bytes keep the stack aligned.
constexpr std::size_t kEntrySlot = 16;

FiberEntry& entry_slot(const FiberState& f) noexcept {
  return *reinterpret_cast<FiberEntry*>(static_cast<char*>(f.stack_base) + f.stack_size - kEntrySlot);
}

void trampoline(ctx::transfer_t t) noexcept {
  FiberState* self = static_cast<SwitchRecord*>(t.data)->to;
  FiberEntry entry = entry_slot(*self);
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
  f.finished = false;
  f.sanitizer = nullptr;
#if defined(GREEN_ASAN)
  // A pooled stack still carries the redzones of the frames its previous
  // greenlet never returned from (a finished fiber is abandoned, not unwound).
  __asan_unpoison_memory_region(f.stack_base, f.stack_size);
#endif
  entry_slot(f) = entry;
  f.context = ctx::make_fcontext(top - kEntrySlot, f.stack_size - kEntrySlot, &trampoline);
#if defined(GREEN_HAVE_VALGRIND_H)
  f.valgrind_id = VALGRIND_STACK_REGISTER(f.stack_base, top);
#endif
#if defined(GREEN_TSAN)
  f.sanitizer = __tsan_create_fiber(0);
#endif
}

void fiber_adopt_thread(FiberState& f) noexcept {
  f.stack_base = nullptr;
  f.stack_size = 0;
#if defined(GREEN_TSAN)
  f.sanitizer = __tsan_get_current_fiber();
#endif
}

void fiber_release(FiberState& f) noexcept {
#if defined(GREEN_HAVE_VALGRIND_H)
  if (f.valgrind_id) VALGRIND_STACK_DEREGISTER(f.valgrind_id);
#endif
  f.valgrind_id = 0;
#if defined(GREEN_TSAN)
  if (f.sanitizer && f.stack_base) __tsan_destroy_fiber(f.sanitizer);
#endif
  f.sanitizer = nullptr;
  f.context = nullptr;
}

}  // namespace green::detail

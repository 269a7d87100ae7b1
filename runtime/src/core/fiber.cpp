// core/fiber.cpp — the out-of-line half of fiber.h: preparing, adopting and
// releasing fibers (the switch itself is inline in fiber.h).
#include "core/fiber.h"

#if defined(GREEN_HAVE_VALGRIND_H)
#include <valgrind/valgrind.h>
#endif

// Boost.Context's jump_fcontext (x86-64 System V, asm/jump_x86_64_sysv_elf_gas.S)
// suspends a fiber by reserving 0x40 bytes below the return address its call
// pushed, then saving mxcsr/x87 control word at 0, r12..r15 at 0x08..0x20, rbx
// at 0x28 and rbp at 0x30; the return address ends up at 0x38 and the fcontext
// is the stack pointer. Exported with C linkage and kept, so the gdb extension
// (tools/gdb/green_gdb.py) reads these offsets instead of repeating them: the
// one description of the layout.
extern "C" {
struct GreenFcontextLayout {
  unsigned long r12, r13, r14, r15, rbx, rbp, return_address, frame_size;
};
extern const GreenFcontextLayout green_fcontext_layout;
const GreenFcontextLayout green_fcontext_layout = {0x08, 0x10, 0x18, 0x20, 0x28, 0x30, 0x38, 0x40};
}

namespace green::detail {

namespace ctx = boost::context::detail;

namespace {

// The stack's top 16 bytes (16 keep it aligned), above the first frame,
// hold what only fiber_prepare, the first switch in and fiber_release need,
// so that it costs no FiberState field: the entry function and valgrind's id
// for the stack. Nothing the fiber runs writes there.
struct TopSlot {
  FiberEntry entry;
  unsigned valgrind_id;
};
constexpr std::size_t kTopSlot = 16;
static_assert(sizeof(TopSlot) <= kTopSlot);

TopSlot& top_slot(const FiberState& f) noexcept {
  return *reinterpret_cast<TopSlot*>(static_cast<char*>(f.stack_base) + f.stack_size - kTopSlot);
}

void trampoline(ctx::transfer_t t) noexcept {
  FiberState* self = static_cast<SwitchRecord*>(t.data)->to;
  FiberEntry entry = top_slot(*self).entry;
  FiberState* from = fiber_land(t);
  entry(self, from);
  __builtin_unreachable();
}

}  // namespace

bool fiber_saved_frame(const FiberState& f, bool started, SavedFrame& out) noexcept {
#if defined(__x86_64__)
  if (!started || !f.context) return false;
  const char* sp = static_cast<const char*>(f.context);
  auto word = [sp](unsigned long offset) { return *reinterpret_cast<void* const*>(sp + offset); };
  out.sp = sp + green_fcontext_layout.frame_size;
  out.fp = word(green_fcontext_layout.rbp);
  out.pc = word(green_fcontext_layout.return_address);
  return true;
#else
  (void)f;
  (void)started;
  (void)out;
  return false;
#endif
}

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
  top_slot(f) = TopSlot{entry, 0};
  f.context = ctx::make_fcontext(top - kTopSlot, f.stack_size - kTopSlot, &trampoline);
#if defined(GREEN_HAVE_VALGRIND_H)
  top_slot(f).valgrind_id = VALGRIND_STACK_REGISTER(f.stack_base, top);
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
  // Called once, before the stack goes back to the pool: the slot is still this fiber's.
  if (f.stack_base && top_slot(f).valgrind_id) VALGRIND_STACK_DEREGISTER(top_slot(f).valgrind_id);
#endif
#if defined(GREEN_TSAN)
  if (f.sanitizer && f.stack_base) __tsan_destroy_fiber(f.sanitizer);
#endif
  f.sanitizer = nullptr;
  f.context = nullptr;
}

}  // namespace green::detail

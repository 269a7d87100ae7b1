// fiber.h — the one seam between green and Boost.Context.
//
// fiber.cpp is the only file that includes Boost.Context, and the only place
// that switches stacks, so the sanitizer and valgrind annotations that must
// surround every switch live in one place.
#pragma once

#include "green/detail/fiber_state.h"

namespace green::detail {

// FiberEntry: runs on the new stack at its first switch. `from` is the fiber
// that switched in (see fiber_switch). Must never return: it ends by switching
// away with self->finished set.
using FiberEntry = void (*)(FiberState* self, FiberState* from);

// fiber_prepare: make `f` (whose stack_base/stack_size are set) start `entry`.
void fiber_prepare(FiberState& f, FiberEntry entry) noexcept;

// fiber_switch: suspend `from`, resume `to`. Returns when something switches
// back to `from`, giving the fiber that did so — if that one is finished, the
// caller may now release its stack (nothing runs on it any more).
FiberState* fiber_switch(FiberState& from, FiberState& to) noexcept;

// fiber_adopt_thread: make `f` describe the calling thread's own stack.
void fiber_adopt_thread(FiberState& f) noexcept;

// fiber_release: forget a finished (or never started) fiber's annotations.
void fiber_release(FiberState& f) noexcept;

}  // namespace green::detail

// green/detail/fiber_state.h — the per-greenlet data of a fiber switch.
//
// Plain data, so greenlets embed it without including Boost.Context: only
// runtime/src/fiber.cpp interprets these fields.
#pragma once

#include <cstddef>

namespace green::detail {

// Every byte here is a million bytes for a million greenlets: what can be
// derived is (the owning greenlet from this struct's offset in it, the entry
// function and valgrind's stack id from the stack's top, the thread stack's
// bounds from a thread_local), and the sanitizers share one slot.
struct FiberState {
  void* context = nullptr;     // Boost.Context fcontext_t to resume; null = not started
  void* stack_base = nullptr;  // lowest address of the mapping (the guard page); null = thread stack
  std::size_t stack_size = 0;  // mapping size including the guard page
  void* stack_slab = nullptr;  // the slab the stack was carved from (runtime/src/stack.h)
  // ASan builds: the fake-stack slot of __sanitizer_start_switch_fiber; TSan
  // builds: the TSan fiber. Unused otherwise (same layout in every build).
  void* sanitizer = nullptr;
  int saved_errno = 0;    // its errno while suspended by yield (hub.cpp's yield_switch)
  bool finished = false;  // the entry function returned; its stack is released after the switch away
  bool away = false;      // handed to a spare OS thread (core/handoff.h): given to it after the switch away
};

}  // namespace green::detail

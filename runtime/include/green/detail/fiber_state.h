// green/detail/fiber_state.h — the per-greenlet data of a fiber switch.
//
// Plain data, so greenlets embed it without including Boost.Context: only
// runtime/src/fiber.cpp interprets these fields.
#pragma once

#include <cstddef>

namespace green::detail {

struct FiberState {
  void* owner = nullptr;          // the GreenletCore this fiber runs
  void* context = nullptr;        // Boost.Context fcontext_t to resume; null = not started
  void* stack_base = nullptr;     // lowest address of the mapping (the guard page); null = thread stack
  std::size_t stack_size = 0;     // mapping size including the guard page
  void* stack_slab = nullptr;     // the slab the stack was carved from (runtime/src/stack.h)
  // Sanitizer bookkeeping, used only in sanitizer builds.
  void* asan_fake_stack = nullptr;
  const void* asan_bottom = nullptr;
  std::size_t asan_size = 0;
  void* tsan_fiber = nullptr;
  unsigned valgrind_id = 0;
  int saved_errno = 0;            // its errno while suspended by yield (hub.cpp's yield_switch)
  void* entry = nullptr;          // set by fiber_prepare, consumed by the first switch in
  bool finished = false;          // the entry function returned; its stack is released after the switch away
};

}  // namespace green::detail

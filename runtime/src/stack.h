// stack.h — greenlet stacks: mmap'd, a guard page below, pooled per hub.
//
// A stack is reserved address space (MAP_NORESERVE): only pages a greenlet
// touches cost memory. The lowest page is PROT_NONE so running off the end
// faults instead of overwriting a neighbour. Stacks of the default size are
// cached by the hub for reuse, since mmap+mprotect+munmap cost far more than a
// spawn should; a cached stack keeps the pages it touched.
#pragma once

#include <cstddef>
#include <vector>

namespace green::detail {

struct Stack {
  void* base = nullptr;   // lowest address (the guard page)
  std::size_t size = 0;   // whole mapping, guard included
};

std::size_t page_size() noexcept;
// stack_round: the mapping size actually used for a request of `size` bytes.
std::size_t stack_round(std::size_t size) noexcept;

// stack_map: a new stack of `size` bytes (rounded up to pages, at least two).
// Throws std::system_error naming the size and the likely cause on failure.
Stack stack_map(std::size_t size);
void stack_unmap(Stack s) noexcept;

class StackPool {
 public:
  explicit StackPool(std::size_t keep) : keep_(keep) {}
  ~StackPool();
  StackPool(const StackPool&) = delete;
  StackPool& operator=(const StackPool&) = delete;

  Stack take(std::size_t size);
  void give(Stack s) noexcept;
  std::size_t pooled() const noexcept { return free_.size(); }
  std::size_t in_use() const noexcept { return in_use_; }

 private:
  std::vector<Stack> free_;
  std::size_t keep_;
  std::size_t in_use_ = 0;
};

// stack_guard_hit: does the fault address `addr` belong to the guard page of
// the stack mapped at `base` — or lie just below it, where a frame larger than
// a page lands when it skips the guard? Async-signal-safe (overflow.cpp calls
// it from the SIGSEGV handler), once any stack has been mapped.
bool stack_guard_hit(const void* base, const void* addr) noexcept;

}  // namespace green::detail

// stack.cpp — see stack.h.
#include "stack.h"

#include <sys/mman.h>
#include <unistd.h>

#include <cerrno>
#include <cstdint>
#include <string>
#include <system_error>

namespace green::detail {

std::size_t page_size() noexcept {
  static const std::size_t ps = static_cast<std::size_t>(::sysconf(_SC_PAGESIZE));
  return ps;
}

std::size_t stack_round(std::size_t size) noexcept {
  const std::size_t ps = page_size();
  size = (size + ps - 1) / ps * ps;
  return size < 2 * ps ? 2 * ps : size;
}

Stack stack_map(std::size_t size) {
  const std::size_t ps = page_size();
  size = stack_round(size);
  void* p = ::mmap(nullptr, size, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE | MAP_STACK,
                   -1, 0);
  if (p == MAP_FAILED) {
    int e = errno;
    throw std::system_error(e, std::generic_category(),
                            "green: cannot map a " + std::to_string(size / 1024) +
                                " KiB greenlet stack (out of address space or vm.max_map_count reached; "
                                "lower GREEN_STACK_SIZE or the number of live greenlets)");
  }
  if (::mprotect(p, ps, PROT_NONE) != 0) {
    int e = errno;
    ::munmap(p, size);
    throw std::system_error(e, std::generic_category(),
                            "green: cannot protect a greenlet stack's guard page (vm.max_map_count reached? "
                            "each live greenlet needs two memory mappings)");
  }
  return Stack{p, size};
}

void stack_unmap(Stack s) noexcept {
  if (s.base) ::munmap(s.base, s.size);
}

StackPool::~StackPool() {
  for (Stack s : free_) stack_unmap(s);
}

Stack StackPool::take(std::size_t size) {
  size = stack_round(size);
  if (!free_.empty() && free_.back().size == size) {
    Stack s = free_.back();
    free_.pop_back();
    ++in_use_;
    return s;
  }
  Stack s = stack_map(size);
  ++in_use_;
  return s;
}

void StackPool::give(Stack s) noexcept {
  --in_use_;
  if (free_.size() < keep_ && (free_.empty() || free_.back().size == s.size)) {
    free_.push_back(s);
    return;
  }
  stack_unmap(s);
}

bool stack_guard_hit(const void* base, const void* addr) noexcept {
  // Below the guard: at most a large frame's worth (64 KiB), so a wild pointer
  // far away is not blamed on the stack.
  constexpr std::uintptr_t kBelow = 64 * 1024;
  auto b = reinterpret_cast<std::uintptr_t>(base);
  auto a = reinterpret_cast<std::uintptr_t>(addr);
  return base != nullptr && a < b + page_size() && a + kBelow >= b;
}

}  // namespace green::detail

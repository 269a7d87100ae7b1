// core/stack.h — greenlet stacks: carved from large slab mappings, a guard page
// below each while the memory-map budget allows, pooled per hub.
//
// Why slabs: the kernel caps the number of memory mappings per process
// (vm.max_map_count, 65530 on a stock kernel). A stack mapped on its own with
// a PROT_NONE guard page costs two mappings, so a million greenlets cannot
// each have one. Stacks are therefore carved out of slabs (one mmap holding
// many stacks of one size, MAP_NORESERVE: only touched pages cost memory).
//
// Guard policy (see docs/architecture.md, "Stacks"): a stack gets a
// PROT_NONE guard page at its low end — which splits its slab's mapping, up to
// two mappings per stack — while the process-wide guard budget lasts: half of
// vm.max_map_count, in guarded stacks. Past the budget (or when mprotect
// itself runs out of mappings) new stacks have no guard page: running off
// one then corrupts the stack below it instead of faulting. This is printed
// once on stderr when it first happens. When even a slab cannot be mapped,
// taking a stack throws std::system_error with what to do; the greenlet fails
// with that error, the process does not crash.
//
// Who may touch what: a StackPool belongs to one hub (one OS thread). The
// slab registry (stack_find) is process-wide: slabs are only ever added to
// it, with release stores, so it can be read from any thread and from a
// signal handler without locks.
#pragma once

#include <cstddef>
#include <vector>

namespace green::detail {

struct Slab;

struct Stack {
  void* base = nullptr;  // lowest address (the guard page, protected or not)
  std::size_t size = 0;  // whole stack, guard page included
  Slab* slab = nullptr;  // the mapping it was carved from
};

std::size_t page_size() noexcept;
// stack_round: the stack size actually used for a request of `size` bytes.
std::size_t stack_round(std::size_t size) noexcept;

// stack_map: a stack of its own (one slab of one stack), e.g. the hub's.
// Throws std::system_error naming the size and the likely cause on failure.
Stack stack_map(std::size_t size);
void stack_unmap(Stack s) noexcept;

// StackHit: what stack_find knows about an address.
struct StackHit {
  void* stack_base = nullptr;  // the stack the address is in (Stack::base)
  std::size_t stack_size = 0;
  bool in_guard = false;  // the address is in that stack's guard page...
  bool guarded = false;   // ...and the guard page is protected (a fault there is an overflow)
};

// stack_find: is `addr` inside a stack green allocated, and in its guard page?
// Returns false when it is in no live slab. Lock-free, allocation-free and
// async-signal-safe: meant for a SIGSEGV handler reporting a stack overflow
// (map stack_base to the greenlet whose FiberState::stack_base it is).
bool stack_find(const void* addr, StackHit& out) noexcept;

// guarded_stacks: how many stacks currently have a protected guard page.
std::size_t guarded_stacks() noexcept;

class StackPool {
 public:
  // keep: freed stacks beyond this many keep their address space but give
  // their memory back to the kernel (MADV_DONTNEED).
  explicit StackPool(std::size_t keep) : keep_(keep) {}
  ~StackPool();
  StackPool(const StackPool&) = delete;
  StackPool& operator=(const StackPool&) = delete;

  // take: a stack of stack_round(size) bytes: a freed one of that size, else
  // the next one carved from a slab. Throws std::system_error (see above).
  Stack take(std::size_t size);
  void give(const Stack& s) noexcept;
  std::size_t pooled() const noexcept { return pooled_ + trim_.size(); }
  std::size_t in_use() const noexcept { return in_use_; }

 private:
  // One size class: its freed stacks (LIFO: the warmest first) and the slab
  // stacks are being carved from.
  struct SizeClass {
    std::size_t size;
    std::vector<Stack> free;
    Slab* carving = nullptr;
  };
  SizeClass& size_class(std::size_t size);
  [[gnu::noinline]] SizeClass& add_size_class(std::size_t size);
  void trim() noexcept;

  std::vector<SizeClass> classes_;
  std::vector<Slab*> slabs_;  // every slab this pool mapped
  std::vector<Stack> trim_;   // freed beyond keep_: memory to give back, then free
  std::size_t keep_;
  std::size_t pooled_ = 0;
  std::size_t in_use_ = 0;
};

// stack_guard_hit: does the fault address `addr` belong to the guard page of
// the stack mapped at `base` — or lie just below it, where a frame larger than
// a page lands when it skips the guard? Async-signal-safe (overflow.cpp calls
// it from the SIGSEGV handler), once any stack has been mapped.
bool stack_guard_hit(const void* base, const void* addr) noexcept;

}  // namespace green::detail

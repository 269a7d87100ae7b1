// core/stack.cpp — slabs, guard pages and the per-hub pool (see stack.h for the
// policy and who may touch what).
//
// A slab is one mmap holding `count` stacks of `stack_size` bytes, lowest
// stack first; stack i spans [base + i*stack_size, base + (i+1)*stack_size)
// and its guard page is the first page of that range. Stacks are carved in
// order as the pool needs them, and the guard page is protected when a stack
// is carved (so only stacks actually used spend the map budget). A carved
// stack never goes back to its slab: freed, it waits in its pool's free list,
// keeping its guard page. Slabs are unmapped only when their pool is destroyed
// with none of their stacks in use (a hub torn down from inside a greenlet
// leaves them to the OS).
//
// The registry is a lock-free singly linked list of Slab records, pushed at
// the head and never unlinked or freed (a record is ~100 bytes for megabytes
// of stacks), so stack_find can walk it from a signal handler while other
// threads add slabs. An unmapped slab's record stays, marked unmapped.
#include "core/stack.h"

#include <fcntl.h>
#include <sys/mman.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <cerrno>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <memory>
#include <string>
#include <system_error>

namespace green::detail {

struct Slab {
  char* base = nullptr;
  std::size_t stack_size = 0;
  std::size_t count = 0;   // stacks the slab holds
  std::size_t carved = 0;  // stacks handed out so far (pool thread only)
  std::size_t in_use = 0;  // carved stacks not back in a free list (pool thread only)
  std::atomic<bool> mapped{true};
  std::unique_ptr<std::atomic<bool>[]> guarded;  // per stack: guard page protected
  Slab* next = nullptr;                          // registry link, immutable once published
};

namespace {

// Slabs of default-size stacks are this big: 256 stacks of 64 KiB, so a
// million stacks take about 4,000 mappings when unguarded.
constexpr std::size_t kSlabBytes = 16u << 20;

std::atomic<Slab*> g_registry{nullptr};
std::atomic<long> g_guards_left{-1};  // -1: not computed yet
std::atomic<std::size_t> g_guarded{0};
std::atomic<bool> g_warned{false};

// guard_budget: how many stacks may have a guard page: half of the mapping
// budget (each guarded stack splits its slab into up to two more mappings);
// the other half stays for the program's own mappings.
long guard_budget() noexcept {
  long max_maps = 65530;
  int fd = ::open("/proc/sys/vm/max_map_count", O_RDONLY | O_CLOEXEC);
  if (fd >= 0) {
    char buf[32] = {};
    ssize_t n = ::read(fd, buf, sizeof buf - 1);
    ::close(fd);
    if (n > 0) {
      long v = std::strtol(buf, nullptr, 10);
      if (v > 0) max_maps = v;
    }
  }
  return max_maps / 4;
}

bool take_guard() noexcept {
  long left = g_guards_left.load(std::memory_order_relaxed);
  if (left < 0) {
    long expected = -1;
    g_guards_left.compare_exchange_strong(expected, guard_budget());
    left = g_guards_left.load(std::memory_order_relaxed);
  }
  while (left > 0)
    if (g_guards_left.compare_exchange_weak(left, left - 1, std::memory_order_relaxed)) return true;
  return false;
}

void warn_unguarded() noexcept {
  if (g_warned.exchange(true)) return;
  std::fprintf(stderr,
               "green: %zu greenlet stacks have guard pages, as many as vm.max_map_count allows; further "
               "stacks have none, so a stack overflow there corrupts memory instead of faulting. Raise "
               "vm.max_map_count (sysctl) for guard pages on every stack.\n",
               g_guarded.load());
}

// guard: protect stack i's guard page while the budget lasts.
void guard(Slab& s, std::size_t i) noexcept {
  if (!take_guard()) {
    warn_unguarded();
    return;
  }
  if (::mprotect(s.base + i * s.stack_size, page_size(), PROT_NONE) != 0) {
    // Out of mappings (ENOMEM) earlier than the budget said: the program uses
    // many of its own. Stop guarding from here on.
    g_guards_left.store(0);
    warn_unguarded();
    return;
  }
  s.guarded[i].store(true, std::memory_order_release);
  g_guarded.fetch_add(1, std::memory_order_relaxed);
}

Slab* map_slab(std::size_t stack_size, std::size_t count) {
  const std::size_t bytes = stack_size * count;
  void* p = ::mmap(nullptr, bytes, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE | MAP_STACK, -1,
                   0);
  if (p == MAP_FAILED) {
    int e = errno;
    throw std::system_error(e, std::generic_category(),
                            "green: cannot map " + std::to_string(bytes / 1024) + " KiB for greenlet stacks of " +
                                std::to_string(stack_size / 1024) +
                                " KiB (out of address space or memory mappings); lower GREEN_STACK_SIZE or the "
                                "number of live greenlets");
  }
  // Huge pages would turn each stack's first touched page into 2 MiB.
  ::madvise(p, bytes, MADV_NOHUGEPAGE);
  auto* s = new Slab;
  s->base = static_cast<char*>(p);
  s->stack_size = stack_size;
  s->count = count;
  s->guarded.reset(new std::atomic<bool>[count]);
  for (std::size_t i = 0; i < count; ++i) s->guarded[i].store(false, std::memory_order_relaxed);
  s->next = g_registry.load(std::memory_order_relaxed);
  while (!g_registry.compare_exchange_weak(s->next, s, std::memory_order_release, std::memory_order_relaxed)) {
  }
  return s;
}

void unmap_slab(Slab& s) noexcept {
  s.mapped.store(false, std::memory_order_release);
  std::size_t guards = 0;
  for (std::size_t i = 0; i < s.count; ++i) guards += s.guarded[i].exchange(false) ? 1 : 0;
  ::munmap(s.base, s.stack_size * s.count);
  if (guards) {
    g_guarded.fetch_sub(guards, std::memory_order_relaxed);
    long left = g_guards_left.load(std::memory_order_relaxed);
    while (left >= 0 && !g_guards_left.compare_exchange_weak(left, left + static_cast<long>(guards))) {
    }
  }
}

Stack carve(Slab& s) noexcept {
  std::size_t i = s.carved++;
  guard(s, i);
  ++s.in_use;
  return Stack{s.base + i * s.stack_size, s.stack_size, &s};
}

}  // namespace

std::size_t page_size() noexcept {
  static const std::size_t ps = static_cast<std::size_t>(::sysconf(_SC_PAGESIZE));
  return ps;
}

std::size_t stack_round(std::size_t size) noexcept {
  const std::size_t ps = page_size();
  size = (size + ps - 1) & ~(ps - 1);  // a power of two: no division on every spawn
  return size < 2 * ps ? 2 * ps : size;
}

Stack stack_map(std::size_t size) { return carve(*map_slab(stack_round(size), 1)); }

void stack_unmap(Stack s) noexcept {
  if (s.slab) unmap_slab(*s.slab);
}

bool stack_find(const void* addr, StackHit& out) noexcept {
  const char* a = static_cast<const char*>(addr);
  for (Slab* s = g_registry.load(std::memory_order_acquire); s; s = s->next) {
    if (a < s->base || a >= s->base + s->stack_size * s->count) continue;
    if (!s->mapped.load(std::memory_order_acquire)) continue;
    const std::size_t i = static_cast<std::size_t>(a - s->base) / s->stack_size;
    out.stack_base = s->base + i * s->stack_size;
    out.stack_size = s->stack_size;
    out.in_guard = a < static_cast<const char*>(out.stack_base) + page_size();
    out.guarded = s->guarded[i].load(std::memory_order_acquire);
    return true;
  }
  return false;
}

std::size_t guarded_stacks() noexcept { return g_guarded.load(std::memory_order_relaxed); }

StackPool::~StackPool() {
  for (Slab* s : slabs_)
    if (s->in_use == 0) unmap_slab(*s);
}

StackPool::SizeClass& StackPool::size_class(std::size_t size) {
  for (SizeClass& c : classes_)
    if (c.size == size) return c;
  return add_size_class(size);
}

// Out of line: inlined, the vector's growth gave every lookup a frame of five
// saved registers (most of the lookup's ~4% of a spawn+join in perf).
StackPool::SizeClass& StackPool::add_size_class(std::size_t size) {
  classes_.push_back(SizeClass{size, {}, nullptr});
  return classes_.back();
}

namespace {
constexpr std::size_t kTrimBatch = 32;
}  // namespace

Stack StackPool::take(std::size_t size) {
  SizeClass& c = size_class(stack_round(size));
  if (c.free.empty() && !trim_.empty()) trim();
  if (!c.free.empty()) {
    Stack s = c.free.back();
    c.free.pop_back();
    --pooled_;
    ++in_use_;
    ++s.slab->in_use;
    return s;
  }
  if (!c.carving || c.carving->carved == c.carving->count) {
    slabs_.reserve(slabs_.size() + 1);
    c.carving = map_slab(c.size, c.size >= kSlabBytes ? 1 : kSlabBytes / c.size);
    slabs_.push_back(c.carving);
  }
  ++in_use_;
  return carve(*c.carving);
}

void StackPool::give(const Stack& s) noexcept {
  --in_use_;
  --s.slab->in_use;
  // A freed stack keeps its address space (it cannot leave its slab); beyond
  // `keep_` it gives its memory back. That costs a syscall, so such stacks
  // are collected and given back in batches: greenlets that die together
  // (released together) mostly sit side by side, one madvise for many.
  // Small batches: the hub stands still for the whole madvise, and every
  // timer due meanwhile is late by it. 256 stacks a batch made the timers
  // row's p99 lateness 0.77-0.87 ms, 32 make it 0.54-0.57 ms (no trimming at
  // all: 0.56-0.59 ms), with the million greenlets' release as fast as before.
  try {
    if (pooled_ + trim_.size() < keep_) {
      size_class(s.size).free.push_back(s);
      ++pooled_;
      return;
    }
    trim_.push_back(s);
    if (trim_.size() >= kTrimBatch) trim();
  } catch (...) {
    // Out of memory for the free list: the stack's address space is lost
    // until the pool goes, which is better than failing a greenlet's exit.
  }
}

void StackPool::trim() noexcept {
  std::sort(trim_.begin(), trim_.end(), [](const Stack& a, const Stack& b) { return a.base < b.base; });
  for (std::size_t i = 0; i < trim_.size();) {
    char* begin = static_cast<char*>(trim_[i].base);
    char* end = begin + trim_[i].size;
    std::size_t j = i + 1;
    for (; j < trim_.size() && trim_[j].base == end; ++j) end += trim_[j].size;
    ::madvise(begin, static_cast<std::size_t>(end - begin), MADV_DONTNEED);
    i = j;
  }
  for (const Stack& s : trim_) {
    try {
      size_class(s.size).free.push_back(s);
      ++pooled_;
    } catch (...) {
      // As in give(): only address space is lost.
    }
  }
  trim_.clear();
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

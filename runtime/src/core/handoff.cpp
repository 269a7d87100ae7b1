// core/handoff.cpp — spare OS threads, and the decision to hand a green thread
// to one (core/handoff.h). The switches themselves are the hub's
// (Hub::displace, Hub::come_back, Hub::come_home in hub.cpp).
#include "core/handoff.h"

#include <dlfcn.h>
#include <link.h>
#include <linux/futex.h>
#include <signal.h>
#include <sys/syscall.h>
#include <ucontext.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <cstdint>
#include <cstdio>
#include <cstring>
#include <thread>

#include "core/fiber.h"
#include "core/hub_core.h"
#include "core/thread_pointer.h"
#include "diag/diagnostics.h"
#include "green/settings.h"
#include "raw_syscall.h"
#include "runtime_internal.h"

namespace green::detail {

struct Spare {
  enum : int { idle, reserved, assigned, running };
  std::atomic<int> state{idle};
  // Set before `assigned`, in a hub's signal handler; other hubs' threads
  // look their green threads up by it (handoff_spare_of).
  std::atomic<GreenletCore*> job{nullptr};
  FiberState home;  // the spare's own stack, suspended while it runs a green thread
  void* own_tp = nullptr;
  // Written once by the spare itself, after own_tp: a signal handler on any
  // thread may look a spare up by it (handoff_spare_thread_pointer).
  std::atomic<int> tid{0};
};

namespace {

constexpr unsigned kMaxSpares = 256;  // the array's size; GREEN_SPARE_THREADS bounds it further

std::atomic<bool> g_enabled{false};
unsigned long long g_delay_us = 0;
unsigned g_limit = 0;
// Spares, appended by the watchdog only and never removed: the signal handler
// reads them without a lock.
Spare* g_spares[kMaxSpares];
std::atomic<unsigned> g_spare_count{0};
std::atomic<unsigned> g_busy{0};
std::atomic<unsigned long long> g_handoffs{0};
std::atomic<unsigned long long> g_declined{0};
std::atomic<bool> g_full_noted{false};

// green's code: the loaded objects whose return addresses on a green thread's
// stack mean green's code is running there.
struct Range {
  std::uintptr_t lo = 0, hi = 0;
};
// Ranges: appended only (the signal handler reads them without a lock).
template <unsigned N>
struct Ranges {
  Range at[N];
  std::atomic<unsigned> count{0};

  bool contains(std::uintptr_t a) const noexcept {
    unsigned n = count.load(std::memory_order_acquire);
    for (unsigned i = 0; i < n; ++i)
      if (a >= at[i].lo && a < at[i].hi) return true;
    return false;
  }
  // add: false when full. A range already there is not added twice.
  bool add(std::uintptr_t lo, std::uintptr_t hi) noexcept {
    unsigned n = count.load(std::memory_order_relaxed);
    for (unsigned k = 0; k < n; ++k)
      if (at[k].lo == lo) return true;
    if (n == N) return false;
    at[n] = {lo, hi};
    count.store(n + 1, std::memory_order_release);
    return true;
  }
};
Ranges<8> g_code;

// The libraries green's code calls into (libc, the dynamic linker, the C++ and
// unwinder runtimes, libm, libev, Boost.Context, OpenSSL): a green thread
// interrupted in one of them may have been called by green's code. Code of
// no such library and not green's is the program's own.
Ranges<16> g_shared;

// The region a green thread is in (BlockingRegion): its hook's caller's stack
// pointer, in the green thread's own descriptor.
constinit thread_local void* tls_region_sp = nullptr;

void futex_wait(std::atomic<int>* word, int value) noexcept {
  raw_syscall(SYS_futex, reinterpret_cast<long>(word), FUTEX_WAIT_PRIVATE, value, 0);
}
void futex_wake(std::atomic<int>* word) noexcept {
  raw_syscall(SYS_futex, reinterpret_cast<long>(word), FUTEX_WAKE_PRIVATE, 1);
}

// An idle spare blocks every signal but glibc's own two (cancellation and the
// setxid broadcast, which must reach every thread): a signal for the program
// goes to a thread of the program.
void block_signals() noexcept {
  unsigned long long all = ~0ull;
  all &= ~(1ull << (32 - 1));
  all &= ~(1ull << (33 - 1));
  raw_syscall(SYS_rt_sigprocmask, SIG_SETMASK, reinterpret_cast<long>(&all), 0, 8);
}

int add_shared(dl_phdr_info* info, std::size_t, void*) {
  // The vDSO too: green's timers read the clock there (clock_gettime), with
  // green's frames live below.
  static const char* const kNames[] = {"/libc.so",  "/ld-linux",  "/libstdc++.so", "/libgcc_s.so",  "/libm.so",
                                       "/libev.so", "/libboost_", "/libssl.so",    "/libcrypto.so", "linux-vdso"};
  const char* name = info->dlpi_name ? info->dlpi_name : "";
  bool shared = false;
  for (const char* n : kNames) shared = shared || std::strstr(name, n) != nullptr;
  if (!shared) return 0;
  for (int i = 0; i < info->dlpi_phnum; ++i) {
    const ElfW(Phdr)& p = info->dlpi_phdr[i];
    if (p.p_type != PT_LOAD || !(p.p_flags & PF_X)) continue;
    if (!g_shared.add(info->dlpi_addr + p.p_vaddr, info->dlpi_addr + p.p_vaddr + p.p_memsz)) return 1;
  }
  return 0;
}

bool in_code(std::uintptr_t a) noexcept { return g_code.contains(a); }

// any_code_between: a word in [lo, hi) that is an address in green's code.
bool any_code_between(std::uintptr_t lo, std::uintptr_t hi) noexcept {
  for (auto* p = reinterpret_cast<const std::uintptr_t*>(lo); reinterpret_cast<std::uintptr_t>(p) < hi; ++p)
    if (in_code(*p)) return true;
  return false;
}

int add_object(dl_phdr_info* info, std::size_t, void* arg) {
  auto a = reinterpret_cast<std::uintptr_t>(arg);
  for (int i = 0; i < info->dlpi_phnum; ++i) {
    const ElfW(Phdr)& p = info->dlpi_phdr[i];
    if (p.p_type != PT_LOAD || !(p.p_flags & PF_X)) continue;
    std::uintptr_t lo = info->dlpi_addr + p.p_vaddr, hi = lo + p.p_memsz;
    if (a < lo || a >= hi) continue;
    g_code.add(lo, hi);
    return 1;
  }
  return 0;
}

void spare_main(Spare* s) {
  block_signals();
  fiber_adopt_thread(s->home);
  s->own_tp = thread_pointer();
  s->tid.store(os_tid(), std::memory_order_release);
  for (;;) {
    int st;
    while ((st = s->state.load(std::memory_order_acquire)) != Spare::assigned) futex_wait(&s->state, st);
    s->state.store(Spare::running, std::memory_order_relaxed);
    GreenletCore* g = s->job.load(std::memory_order_acquire);
    ThreadRecord* rec = g->thread_record_;
    rec->away_on.store(s->tid.load(std::memory_order_relaxed), std::memory_order_release);
    set_thread_pointer(rec->thread_pointer);
    fiber_switch(s->home, g->fiber_);
    // It came back (Hub::come_back): its context is saved; it runs on our
    // thread's descriptor no more.
    set_thread_pointer(s->own_tp);
    block_signals();
    rec->away_on.store(0, std::memory_order_release);
    s->job.store(nullptr, std::memory_order_release);
    g->hub_->post_come_home(g);
    g_busy.fetch_sub(1, std::memory_order_relaxed);
    s->state.store(Spare::idle, std::memory_order_release);
  }
}

Spare* reserve() noexcept {
  unsigned n = g_spare_count.load(std::memory_order_acquire);
  for (unsigned i = 0; i < n; ++i) {
    int expected = Spare::idle;
    if (g_spares[i]->state.compare_exchange_strong(expected, Spare::reserved, std::memory_order_acq_rel))
      return g_spares[i];
  }
  return nullptr;
}

}  // namespace

void handoff_enable() noexcept {
  g_delay_us = static_cast<unsigned long long>(setting_number("GREEN_HANDOFF_US"));
  g_limit = std::min<unsigned>(kMaxSpares, static_cast<unsigned>(setting_number("GREEN_SPARE_THREADS")));
  // Known with hand-off off too: the interposer asks is_green_code of callers.
  handoff_add_code(reinterpret_cast<const void*>(&handoff_enable));
  if (g_delay_us == 0 || g_limit == 0) return;
  if (g_shared.count.load(std::memory_order_acquire) == 0) dl_iterate_phdr(&add_shared, nullptr);
  g_enabled.store(true, std::memory_order_release);
  // The mode may be decided after this thread's hub was made (a hooked call
  // before the first pthread one): the watchdog must see that hub too.
  if (Hub* hub = Hub::peek_in_signal()) monitor_hub_created(*hub);
}

bool handoff_enabled() noexcept { return g_enabled.load(std::memory_order_acquire); }
unsigned long long handoff_delay_us() noexcept { return g_delay_us; }

void handoff_add_code(const void* any_function) noexcept {
  dl_iterate_phdr(&add_object, const_cast<void*>(any_function));
}

bool is_green_code(const void* address) noexcept { return in_code(reinterpret_cast<std::uintptr_t>(address)); }

CallingProgram::CallingProgram() noexcept {
  // On a spare OS thread the hub's current greenlet is another one, running
  // on the hub's thread.
  GreenletCore* g = Hub::away_in_signal();
  if (!g) {
    Hub* hub = Hub::peek_in_signal();
    if (!hub || hub->in_hub()) return;
    g = hub->current();
  }
  rec_ = g->thread_record_;
  if (rec_) rec_->calling_program = rec_->calling_program + 1;
}

CallingProgram::~CallingProgram() {
  if (rec_) rec_->calling_program = rec_->calling_program - 1;
}

void handoff_keep_spare_ready() noexcept {
  unsigned n = g_spare_count.load(std::memory_order_acquire);
  for (unsigned i = 0; i < n; ++i)
    if (g_spares[i]->state.load(std::memory_order_relaxed) == Spare::idle) return;
  if (n >= g_limit) {
    if (!g_full_noted.exchange(true))
      std::fprintf(stderr,
                   "green: all %u spare OS threads (GREEN_SPARE_THREADS) run green threads that stopped switching; "
                   "a further one stops its hub until one comes back\n",
                   g_limit);
    return;
  }
  auto* s = new Spare;
  try {
    start_named_thread(
        "green-spare", [](void* arg) { spare_main(static_cast<Spare*>(arg)); }, s);
  } catch (...) {
    delete s;
    return;
  }
  g_spares[n] = s;
  g_spare_count.store(n + 1, std::memory_order_release);
}

bool handoff_try(void* ucontext) noexcept {
  if (!handoff_enabled()) return false;
  Hub* hub = Hub::peek_in_signal();
  if (!hub || hub->in_hub()) return false;
  GreenletCore* g = hub->current();
  ThreadRecord* rec = g->thread_record_;
  // Only a green thread on its own descriptor can go on elsewhere: everything
  // else shares the hub thread's thread-local storage.
  if (!rec || !rec->thread_pointer || rec->thread_pointer != thread_pointer() || !rec->user_frame ||
      !g->fiber_.stack_base)
    return false;
  auto* uc = static_cast<ucontext_t*>(ucontext);
  auto rip = static_cast<std::uintptr_t>(uc->uc_mcontext.gregs[REG_RIP]);
  auto rsp = static_cast<std::uintptr_t>(uc->uc_mcontext.gregs[REG_RSP]);
  auto lo = reinterpret_cast<std::uintptr_t>(g->fiber_.stack_base);
  auto top = reinterpret_cast<std::uintptr_t>(rec->user_frame);
  auto region = reinterpret_cast<std::uintptr_t>(tls_region_sp);
  // Green's code is running (or its switch is half done): its state is not
  // consistent for the hub to go on without it. In the program's own code,
  // green's frames can be live below only when green called it back
  // (CallingProgram): otherwise there is nothing to look for — and a scan
  // would find stale addresses of green's code in uninitialised slots of the
  // program's frames, and decline every look for as long as they live.
  // Anywhere else (libc...), green may have made the call: scan the stack.
  std::uintptr_t scan_from = region && rsp < region ? region : rsp;
  const bool programs_own = !g_shared.contains(rip) && rec->calling_program == 0;
  if (in_code(rip) || rsp < lo || rsp > top || (!programs_own && any_code_between(scan_from, top))) {
    g_declined.fetch_add(1, std::memory_order_relaxed);
    return false;
  }
  Spare* s = reserve();
  if (!s) return false;
  s->job.store(g, std::memory_order_release);
  g_busy.fetch_add(1, std::memory_order_relaxed);
  g_handoffs.fetch_add(1, std::memory_order_relaxed);
  // The hub's thread goes on with the mask the interrupted code had (the
  // handler's is the kernel's, with SIGURG blocked); the green thread gets it
  // back on the spare from the signal frame.
  raw_syscall(SYS_rt_sigprocmask, SIG_SETMASK, reinterpret_cast<long>(&uc->uc_sigmask), 0, 8);
  hub->displace(*g);
  // On the spare now. Returning from the handler restores the frame's
  // alternate-stack setting too: make it the spare's (none), not the hub
  // thread's.
  uc->uc_stack.ss_sp = nullptr;
  uc->uc_stack.ss_size = 0;
  uc->uc_stack.ss_flags = SS_DISABLE;
  return true;
}

void handoff_give_job(FiberState* f) noexcept {
  GreenletCore* g = &GreenletCore::of(f);
  Spare* s = handoff_spare_of(g);
  s->state.store(Spare::assigned, std::memory_order_release);
  futex_wake(&s->state);
}

Spare* handoff_spare_of(const GreenletCore* g) noexcept {
  unsigned n = g_spare_count.load(std::memory_order_acquire);
  for (unsigned i = 0; i < n; ++i)
    if (g_spares[i]->job.load(std::memory_order_acquire) == g) return g_spares[i];
  return nullptr;
}

FiberState& handoff_spare_home(Spare* s) noexcept { return s->home; }

void* handoff_spare_thread_pointer(int tid) noexcept {
  unsigned n = g_spare_count.load(std::memory_order_acquire);
  for (unsigned i = 0; i < n; ++i)
    if (g_spares[i]->tid.load(std::memory_order_acquire) == tid) return g_spares[i]->own_tp;
  return nullptr;
}

BlockingRegion::BlockingRegion(void* caller_sp) noexcept : saved_(tls_region_sp) { tls_region_sp = caller_sp; }

BlockingRegion::~BlockingRegion() {
  tls_region_sp = saved_;
  handoff_come_back();
}

void handoff_come_back() noexcept { (void)Hub::peek(); }

HandoffCounts handoff_counts() noexcept {
  HandoffCounts c;
  c.spares = g_spare_count.load(std::memory_order_relaxed);
  c.busy = g_busy.load(std::memory_order_relaxed);
  c.handoffs = g_handoffs.load(std::memory_order_relaxed);
  c.declined = g_declined.load(std::memory_order_relaxed);
  return c;
}

void handoff_after_fork_child() noexcept {
  // The spares are not in the child: forget them (their memory stays).
  g_spare_count.store(0, std::memory_order_release);
  g_busy.store(0, std::memory_order_relaxed);
}

}  // namespace green::detail

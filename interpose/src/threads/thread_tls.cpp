// threads/thread_tls.cpp — per-green-thread descriptors (thread_tls.h).
//
// The layout below is glibc 2.36's struct pthread on x86-64 (nptl/descr.h,
// sysdeps/x86_64/nptl/tls.h at tag glibc-2.36). It is checked at start
// against the descriptors libthread_db reads (_thread_db_*, exported by libc)
// and against the OS thread's own descriptor; any mismatch turns the feature
// off instead of writing into the wrong fields.
#include "threads/thread_tls.h"

#include <dlfcn.h>
#include <errno.h>
#include <gnu/libc-version.h>
#include <link.h>
#include <locale.h>
#include <netdb.h>
#include <sys/syscall.h>
#include <unistd.h>

#include <atomic>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <mutex>

#include "gate/real.h"
#include "gate/spinlock.h"
#include "green/detail/greenlet_core.h"
#include "green/settings.h"
#include "runtime_internal.h"
#include "threads/threads.h"

namespace gd = green::detail;

namespace green::interpose::threads {

namespace {

// struct pthread, glibc 2.36, x86-64: byte offsets of the fields green writes.
namespace off {
constexpr std::size_t tcb = 0;                // header.tcb: the descriptor itself
constexpr std::size_t self = 16;              // header.self: the same
constexpr std::size_t multiple_threads = 24;  // header: 0 lets glibc's catomic_* drop the lock prefix
constexpr std::size_t sysinfo = 32;
constexpr std::size_t stack_guard = 40;    // fs:0x28, the stack protector's canary
constexpr std::size_t pointer_guard = 48;  // fs:0x30, PTR_MANGLE's key (setjmp, atexit)
constexpr std::size_t feature_1 = 72;      // CET state
constexpr std::size_t list = 704;          // link on glibc's thread lists (next, prev)
constexpr std::size_t tid = 720;
constexpr std::size_t robust_prev = 728;
constexpr std::size_t robust_head = 736;  // .list, then .futex_offset at +8
constexpr std::size_t specific_1stblock = 784;
constexpr std::size_t specific = 1296;
constexpr std::size_t start_routine = 1592;
constexpr std::size_t cancelhandling = 776;
constexpr std::size_t stackblock = 1680;
constexpr std::size_t stackblock_size = 1688;
constexpr std::size_t guardsize = 1696;
constexpr std::size_t reported_guardsize = 1704;
constexpr std::size_t res = 1720;  // the thread's resolver state (__resp points here)
constexpr std::size_t size = 2368;
}  // namespace off

template <class T>
T& at(void* tp, std::ptrdiff_t o) noexcept {
  return *reinterpret_cast<T*>(static_cast<char*>(tp) + o);
}

// A module of green whose thread_locals a new descriptor copies from the OS
// thread's: where its static block sits from the thread pointer, and its size.
struct OwnBlock {
  std::ptrdiff_t offset = 0;  // thread pointer minus block address
  std::size_t size = 0;
};

struct Glibc {
  bool ok = false;
  void* (*allocate)(void*) = nullptr;         // _dl_allocate_tls
  void* (*init)(void*, bool) = nullptr;       // _dl_allocate_tls_init
  void (*deallocate)(void*, bool) = nullptr;  // _dl_deallocate_tls
  void (*ctype_init)() = nullptr;             // __ctype_init
  void (*call_tls_dtors)() = nullptr;         // __call_tls_dtors
  std::ptrdiff_t resp = 0;                    // __resp from the thread pointer
  std::ptrdiff_t rseq = 0;                    // __rseq_offset: the rseq area from the thread pointer
  std::size_t static_area = 0;                // static TLS below the thread pointer (tls_static_area)
  OwnBlock own[2];
  std::size_t own_count = 0;
  OwnBlock libc;  // libc's own static block: kept when a descriptor is reused
};

// A dtv entry (elf/dl-tls.c's dtv_t): a generation counter, or a block and
// what to free for it. dtv[-1].counter is the number of entries.
union Dtv {
  std::size_t counter;
  struct {
    void* val;
    void* to_free;
  } pointer;
};

struct Finder {
  const void* address;
  OwnBlock* out;
  bool found = false;
};

// The module whose loaded segments hold `address`: its static TLS block.
int find_block(dl_phdr_info* info, std::size_t, void* arg) {
  auto* f = static_cast<Finder*>(arg);
  auto a = reinterpret_cast<std::uintptr_t>(f->address);
  const ElfW(Phdr)* tls = nullptr;
  bool contains = false;
  for (int i = 0; i < info->dlpi_phnum; ++i) {
    const ElfW(Phdr)& p = info->dlpi_phdr[i];
    if (p.p_type == PT_TLS) tls = &p;
    std::uintptr_t lo = info->dlpi_addr + p.p_vaddr;
    if (p.p_type == PT_LOAD && a >= lo && a < lo + p.p_memsz) contains = true;
  }
  if (!contains) return 0;
  f->found = true;
  if (tls && info->dlpi_tls_data) {
    f->out->offset = static_cast<char*>(gd::thread_pointer_now()) - static_cast<char*>(info->dlpi_tls_data);
    f->out->size = tls->p_memsz;
  }
  return 1;
}

bool refuse(const char* why) {
  std::fprintf(stderr,
               "green: green threads share their OS thread's thread-local storage and descriptor (%s); "
               "set GREEN_THREAD_TLS=0 to silence this note\n",
               why);
  return false;
}

bool setup(Glibc& g) {
  if (setting_number("GREEN_THREAD_TLS") == 0) return false;
#if defined(GREEN_ASAN) || defined(GREEN_TSAN)
  // The sanitizers keep their per-thread state in the OS thread's TLS.
  return false;
#else
  if (std::strcmp(gnu_get_libc_version(), "2.36") != 0)
    return refuse("per-thread descriptors are verified on glibc 2.36 only");
  auto sizeof_pthread = static_cast<const std::uint32_t*>(libc_private("_thread_db_sizeof_pthread"));
  if (!sizeof_pthread || *sizeof_pthread != off::size || thread_db_offset("_thread_db_pthread_tid") != off::tid ||
      thread_db_offset("_thread_db_pthread_specific") != off::specific ||
      thread_db_offset("_thread_db_pthread_cancelhandling") != off::cancelhandling ||
      thread_db_offset("_thread_db_pthread_list") != off::list ||
      thread_db_offset("_thread_db_pthread_start_routine") != off::start_routine)
    return refuse("this glibc's struct pthread is not the layout green knows");
  void* os = gd::os_thread_pointer();
  if (at<void*>(os, off::tcb) != os || at<void*>(os, off::self) != os ||
      at<int>(os, off::tid) != static_cast<int>(green::detail::os_tid()))
    return refuse("the OS thread's descriptor does not look like glibc's");
  g.allocate = reinterpret_cast<void* (*)(void*)>(libc_private("_dl_allocate_tls"));
  g.init = reinterpret_cast<void* (*)(void*, bool)>(libc_private("_dl_allocate_tls_init"));
  g.deallocate = reinterpret_cast<void (*)(void*, bool)>(libc_private("_dl_deallocate_tls"));
  g.ctype_init = reinterpret_cast<void (*)()>(libc_private("__ctype_init"));
  g.call_tls_dtors = reinterpret_cast<void (*)()>(libc_private("__call_tls_dtors"));
  auto* resp = static_cast<char*>(libc_private("__resp"));
  auto* rseq = static_cast<const std::ptrdiff_t*>(libc_private("__rseq_offset"));
  auto static_info = reinterpret_cast<void (*)(std::size_t*, std::size_t*)>(libc_private("_dl_get_tls_static_info"));
  if (!g.allocate || !g.init || !g.deallocate || !g.ctype_init || !g.call_tls_dtors || !resp || !rseq || !static_info)
    return refuse("a glibc entry point it needs is missing");
  // glibc's static TLS size counts the descriptor above the thread pointer.
  std::size_t static_size = 0, static_align = 0;
  static_info(&static_size, &static_align);
  if (static_size <= off::size) return refuse("glibc's static TLS size is not what green knows");
  g.static_area = static_size - off::size;
  g.resp = resp - static_cast<char*>(gd::thread_pointer_now());
  g.rseq = *rseq;
  // green's own libraries: the runtime (this hub's state) and the preload.
  const void* anchors[] = {reinterpret_cast<const void*>(&gd::os_thread_pointer),
                           reinterpret_cast<const void*>(&tls_create)};
  for (const void* a : anchors) {
    OwnBlock b;
    Finder f{a, &b};
    dl_iterate_phdr(find_block, &f);
    if (!f.found) return refuse("green's own libraries were not found among the loaded modules");
    if (b.size == 0) continue;
    bool dup = false;
    for (std::size_t i = 0; i < g.own_count; ++i) dup |= g.own[i].offset == b.offset;
    if (!dup) g.own[g.own_count++] = b;
  }
  Finder lf{reinterpret_cast<const void*>(&::__errno_location), &g.libc};
  dl_iterate_phdr(find_block, &lf);
  if (!lf.found || g.libc.size == 0) return refuse("libc's thread-local block was not found");
  g.ok = true;
  return true;
#endif
}

const Glibc& glibc() {
  // Initialised by the first pthread_create of the mode, which does not
  // switch in between: no green thread can wait on this guard.
  static const Glibc g = [] {
    Glibc r;
    r.ok = setup(r);
    return r;
  }();
  return g;
}

// Descriptors of ended green threads, kept for the next ones, as glibc keeps
// the stacks of ended threads with their descriptors: glibc 2.36 does not
// export what frees a thread's malloc cache (__libc_thread_freeres), so a
// descriptor freed loses its cache (~0.6 KiB and the chunks it holds); one
// reused keeps it. Linked through their first TLS word-sized slot (the
// descriptor's `header.tcb`, rewritten on reuse).
constexpr std::size_t kPoolMax = 1024;
SpinLock g_pool_lock;
void* g_pool = nullptr;
std::size_t g_pooled = 0;

void* pool_take() noexcept {
  std::lock_guard<SpinLock> lock(g_pool_lock);
  void* tp = g_pool;
  if (tp) {
    g_pool = at<void*>(tp, off::tcb);
    --g_pooled;
  }
  return tp;
}

bool pool_give(void* tp) noexcept {
  std::lock_guard<SpinLock> lock(g_pool_lock);
  if (g_pooled == kPoolMax) return false;
  at<void*>(tp, off::tcb) = g_pool;
  g_pool = tp;
  ++g_pooled;
  return true;
}

// reuse: a pooled descriptor made new, as glibc's get_cached_stack does —
// dynamic TLS blocks freed, every module's image copied in again — except
// libc's own block, whose malloc cache and arena the new thread inherits
// (what must not carry over is reset in tls_begin).
void reuse(const Glibc& g, void* tp) noexcept {
  Dtv* dtv = at<Dtv*>(tp, 8);
  for (std::size_t i = 0; i < dtv[-1].counter; ++i) std::free(dtv[1 + i].pointer.to_free);
  std::memset(dtv, 0, (dtv[-1].counter + 1) * sizeof(Dtv));
  char saved[512];
  const bool keep = g.libc.size <= sizeof saved;
  char* libc_block = static_cast<char*>(tp) - g.libc.offset;
  if (keep) std::memcpy(saved, libc_block, g.libc.size);
  g.init(tp, true);
  if (keep) std::memcpy(libc_block, saved, g.libc.size);
}

// setuid & co.: glibc's SIGSETXID handler must run on the OS thread's own
// descriptor (core/setxid_relay.cpp). glibc installs it at its first
// pthread_create, whichever that was: asked after each real one (a system
// call beside a thread's creation), and at each green thread's creation until
// relayed, in case glibc made its first thread by itself (timer_create's
// SIGEV_THREAD, aio: not through the hook).
std::atomic<bool> g_setxid_relayed{false};

// A green thread's descriptor was made: from then on a library's static TLS
// must reach green threads too (tls_static_area).
std::atomic<bool> g_made{false};

void relay_setxid() noexcept { g_setxid_relayed.store(gd::setxid_relay_install(), std::memory_order_relaxed); }

}  // namespace

void* tls_create(int tid) noexcept {
  const Glibc& g = glibc();
  if (!g.ok) return nullptr;
  if (!g_setxid_relayed.load(std::memory_order_relaxed)) relay_setxid();
  void* tp = pool_take();
  if (tp) reuse(g, tp);
  else tp = g.allocate(nullptr);  // zeroed descriptor, dtv, every module's TLS image
  if (!tp) return nullptr;
  void* os = gd::os_thread_pointer();
  at<void*>(tp, off::tcb) = tp;
  at<void*>(tp, off::self) = tp;
  // Set, as Marcel did: at 0 glibc's malloc takes its lock-free single-thread
  // path, and a real thread may appear later (green's pool thread, made from
  // a green thread: glibc then marks only the descriptor installed, this one).
  at<int>(tp, off::multiple_threads) = 1;
  // Values every thread of the process shares: copied, as glibc's TLS_INIT_TP does.
  at<std::uintptr_t>(tp, off::sysinfo) = at<std::uintptr_t>(os, off::sysinfo);
  at<std::uintptr_t>(tp, off::stack_guard) = at<std::uintptr_t>(os, off::stack_guard);
  at<std::uintptr_t>(tp, off::pointer_guard) = at<std::uintptr_t>(os, off::pointer_guard);
  at<unsigned>(tp, off::feature_1) = at<unsigned>(os, off::feature_1);
  // Its own, for life (thread_tls.h). raise() asks the kernel, not this.
  at<int>(tp, off::tid) = tid;
  // On no list of glibc's, but linked to itself: a fork from this thread
  // makes it the child's only thread, and glibc's reclaim_stacks unlinks it.
  void* link = static_cast<char*>(tp) + off::list;
  at<void*>(tp, off::list) = link;
  at<void*>(tp, off::list + 8) = link;
  // An empty robust-mutex list, and the first block of TSD keys, as allocate_stack.
  void* head = static_cast<char*>(tp) + off::robust_head;
  at<void*>(tp, off::robust_prev) = head;
  at<void*>(tp, off::robust_head) = head;
  at<long>(tp, off::robust_head + 8) = at<long>(os, off::robust_head + 8);
  at<void*>(tp, off::specific) = static_cast<char*>(tp) + off::specific_1stblock;
  // Its own resolver state, as start_thread sets.
  at<void*>(tp, g.resp) = static_cast<char*>(tp) + off::res;
  // The kernel updates only the OS thread's registered rseq area: -2 ("not
  // registered") makes sched_getcpu ask the vDSO.
  at<int>(tp, g.rseq + 4) = -2;
  for (std::size_t i = 0; i < g.own_count; ++i)
    std::memcpy(static_cast<char*>(tp) - g.own[i].offset, static_cast<char*>(os) - g.own[i].offset, g.own[i].size);
  g_made.store(true, std::memory_order_release);
  return tp;
}

int* tls_os_tid_word() noexcept {
  if (!glibc().ok) return nullptr;
  return &at<int>(gd::os_thread_pointer(), off::tid);
}

void tls_fork_lock() noexcept { g_pool_lock.lock(); }
void tls_fork_unlock() noexcept { g_pool_lock.unlock(); }

std::size_t tls_static_area() noexcept { return g_made.load(std::memory_order_acquire) ? glibc().static_area : 0; }

int tls_own_tid() noexcept {
  if (!glibc().ok) return green::detail::os_tid();
  return at<int>(green::detail::thread_pointer_now(), off::tid);
}

KernelTid::KernelTid(const pthread_mutex_t* m) noexcept {
  constexpr int kPrioInherit = 32;  // glibc's __kind flag
  if (!(m->__data.__kind & kPrioInherit)) return;
  GreenThread* t = current();
  if (!t || !t->thread_pointer || !glibc().ok) return;
  tp_ = t->thread_pointer;
  own_ = at<int>(tp_, off::tid);
  at<int>(tp_, off::tid) = green::detail::os_tid();
}

KernelTid::~KernelTid() {
  if (tp_) at<int>(tp_, off::tid) = own_;
}

void tls_real_thread_made() noexcept {
  // glibc's pthread_create marked the installed descriptor multi-threaded;
  // the OS thread's own must know too (its code and the main greenlet's use
  // malloc while the new thread does).
  if (!glibc().ok) return;
  void* os = gd::os_thread_pointer();
  if (gd::thread_pointer_now() != os) at<int>(os, off::multiple_threads) = 1;
  relay_setxid();
}

void tls_begin(GreenThread* t) noexcept {
  void* tp = t->thread_pointer;
  if (!tp) return;
  const gd::FiberState& f = t->core->fiber_;
  const std::size_t guard = static_cast<std::size_t>(::sysconf(_SC_PAGESIZE));
  at<void*>(tp, off::stackblock) = f.stack_base;
  at<std::size_t>(tp, off::stackblock_size) = f.stack_size;
  at<std::size_t>(tp, off::guardsize) = guard;
  at<std::size_t>(tp, off::reported_guardsize) = guard;
  gd::thread_pointer_changed();
  // A reused descriptor's libc block comes from an ended thread: what a new
  // thread starts without.
  errno = 0;
  h_errno = 0;
  uselocale(LC_GLOBAL_LOCALE);
  (void)dlerror();
  glibc().ctype_init();
}

void tls_run_destructors(GreenThread* t) noexcept {
  if (!t->thread_pointer) return;
  green::detail::CallingProgram back;  // hand-off: green's frames are live below the destructors
  glibc().call_tls_dtors();
}

void tls_end(GreenThread* t) noexcept {
  void* tp = t->thread_pointer;
  if (!tp) return;
  publish_descriptor(t, nullptr);
  gd::thread_pointer_changed();
  if (!pool_give(tp)) glibc().deallocate(tp, true);
}

}  // namespace green::interpose::threads

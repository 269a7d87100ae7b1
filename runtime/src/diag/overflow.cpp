// diag/overflow.cpp — a greenlet that runs off the end of its stack is reported by
// name, instead of dying with a bare SIGSEGV.
//
// Every greenlet stack has a PROT_NONE guard page below it (stack.h), so an
// overflow faults. The fault cannot be handled on the stack that overflowed,
// so each thread with a hub gets an alternate signal stack (sigaltstack) and
// the handler runs there with SA_ONSTACK. The handler asks: is the fault
// address in (or just below) the guard page of the greenlet running on this
// thread? If so it writes one line naming the greenlet and its stack size,
// restores the default disposition and returns: the faulting instruction runs
// again and the process dies of the same signal, as it would have without
// green (core dumps and exit status unchanged). Any other fault is handed to
// the handler installed before ours (a program's own, or ASan's), exactly as
// if ours were not there.
//
// Signal safety: the handler only reads this thread's hub (initial-exec TLS,
// no allocation), formats into a local buffer and calls write(2), sigaction(2)
// and raise(3).
#include <signal.h>
#include <sys/mman.h>
#include <unistd.h>

#include <atomic>
#include <cstddef>
#include <mutex>

#include "core/hub_core.h"
#include "core/stack.h"
#include "diag/diagnostics.h"
#include "diag/signal_safe.h"

namespace green::detail {

namespace {

constexpr int kSignals[] = {SIGSEGV, SIGBUS};
struct sigaction g_previous[2];
std::once_flag g_installed;

int slot_of(int sig) noexcept { return sig == SIGBUS ? 1 : 0; }

void die_by_default(int sig, const siginfo_t* info) noexcept {
  struct sigaction dfl {};
  dfl.sa_handler = SIG_DFL;
  sigemptyset(&dfl.sa_mask);
  ::sigaction(sig, &dfl, nullptr);
  // A fault re-executes on return and kills; a sent signal must be resent
  // (it stays blocked until this handler returns).
  if (info == nullptr || info->si_code <= 0) ::raise(sig);
}

void chain(int sig, siginfo_t* info, void* uctx) noexcept {
  const struct sigaction& prev = g_previous[slot_of(sig)];
  if (prev.sa_flags & SA_SIGINFO) {
    if (prev.sa_sigaction) {
      prev.sa_sigaction(sig, info, uctx);
      return;
    }
  } else if (prev.sa_handler != SIG_DFL && prev.sa_handler != SIG_IGN) {
    prev.sa_handler(sig);
    return;
  }
  // A synchronous fault cannot be ignored: the kernel would kill anyway.
  die_by_default(sig, info);
}

void on_fault(int sig, siginfo_t* info, void* uctx) {
  int saved_errno = errno;
  Hub* hub = Hub::peek_in_signal();
  GreenletCore* g = hub ? hub->current() : nullptr;
  if (g == nullptr || info == nullptr || info->si_code <= 0 || !stack_guard_hit(g->fiber_.stack_base, info->si_addr)) {
    chain(sig, info, uctx);
    errno = saved_errno;
    return;
  }
  SignalLine line;
  line.add("green: greenlet '");
  add_name(line, *g);
  line.add("' overflowed its ");
  line.add(g->fiber_.stack_size / 1024);
  line.add(" KiB stack; raise GREEN_STACK_SIZE\n");
  line.write_to(2);
  die_by_default(sig, info);
}

void install_handlers() {
  for (int sig : kSignals) {
    struct sigaction sa {};
    sa.sa_sigaction = &on_fault;
    sa.sa_flags = SA_SIGINFO | SA_ONSTACK;
    sigemptyset(&sa.sa_mask);
    ::sigaction(sig, &sa, &g_previous[slot_of(sig)]);
  }
}

// AltStack: this thread's alternate signal stack, if green had to provide it.
struct AltStack {
  void* mem = nullptr;
  std::size_t size = 0;
  ~AltStack() {
    if (!mem) return;
    stack_t off{};
    off.ss_flags = SS_DISABLE;
    ::sigaltstack(&off, nullptr);
    ::munmap(mem, size);
  }
};
thread_local AltStack t_alt;

}  // namespace

void overflow_guard_thread() {
  std::call_once(g_installed, install_handlers);
  stack_t current{};
  if (::sigaltstack(nullptr, &current) == 0 && !(current.ss_flags & SS_DISABLE)) return;  // ASan's or the program's
  if (t_alt.mem) return;
    // Room for our handler and for a chained one (ASan symbolizes on it).
#ifdef _SC_MINSIGSTKSZ
  long min = ::sysconf(_SC_MINSIGSTKSZ);
#else
  long min = MINSIGSTKSZ;
#endif
  std::size_t size = 64 * 1024;
  if (min > 0 && static_cast<std::size_t>(min) * 4 > size) size = static_cast<std::size_t>(min) * 4;
  void* mem = ::mmap(nullptr, size, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);
  if (mem == MAP_FAILED) return;  // overflows then die unreported, as without green
  stack_t ss{};
  ss.ss_sp = mem;
  ss.ss_size = size;
  if (::sigaltstack(&ss, nullptr) != 0) {
    ::munmap(mem, size);
    return;
  }
  t_alt.mem = mem;
  t_alt.size = size;
}

}  // namespace green::detail

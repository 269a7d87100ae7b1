// sys/hooks_signal.cpp — sigaction and signal: the program's handlers run as
// installed, and green learns whether each one carries SA_RESTART.
//
// Natively, a handler installed without SA_RESTART makes a read, write,
// accept or waitpid blocked in the kernel return EINTR; with SA_RESTART the
// call carries on. Under the preload those calls are parked in the hub, and
// what the kernel interrupts is the hub's epoll_wait — which cannot say which
// signal came. So each handler the program installs is installed wrapped: the
// wrapper notes "a handler without SA_RESTART ran during the hub's poll"
// (park.h: note_handler_ran) and calls the program's handler with the
// arguments the kernel gave. The kernel sees the program's own flags and mask
// (SA_RESETHAND, SA_NODEFER... behave natively), plus SA_SIGINFO so the
// wrapper can pass siginfo on. Asking for the current action reports the
// program's handler, never the wrapper. SIG_DFL and SIG_IGN are installed as
// given: default actions (Ctrl-C killing the program) stay the kernel's.
//
// signal() and bsd_signal() are glibc's BSD signal: SA_RESTART, the signal
// blocked in its handler; sysv_signal() (and __sysv_signal, what strict ISO C
// makes of signal()) is System V's. sigset is not hooked (rarely used; its
// handlers run, but count as SA_RESTART ones).
#include <signal.h>

#include <atomic>
#include <cerrno>

#include "gate/park.h"
#include "gate/real.h"
#include "runtime_internal.h"

namespace gi = green::interpose;
using gi::Hook;

namespace {

// Slot: the program's action for one signal, read by the wrapper.
struct Slot {
  std::atomic<void*> fn{nullptr};  // sa_handler or sa_sigaction
  std::atomic<int> flags{0};       // the program's sa_flags
  sigset_t mask{};                 // the program's sa_mask (for queries)
};
Slot g_slots[NSIG];

void wrapper(int sig, siginfo_t* info, void* uctx) {
  if (sig <= 0 || sig >= NSIG) return;
  Slot& s = g_slots[sig];
  void* fn = s.fn.load(std::memory_order_acquire);
  int flags = s.flags.load(std::memory_order_relaxed);
  gi::note_handler_ran((flags & SA_RESTART) != 0);
  if (!fn) return;
  // Hand-off: the interrupted code below this frame may be green's.
  green::detail::CallingProgram back;
  if (flags & SA_SIGINFO) {
    reinterpret_cast<void (*)(int, siginfo_t*, void*)>(fn)(sig, info, uctx);
  } else {
    reinterpret_cast<void (*)(int)>(fn)(sig);
  }
}

bool is_handler(const struct sigaction& a) {
  if (a.sa_flags & SA_SIGINFO) return a.sa_sigaction != nullptr;
  return a.sa_handler != SIG_DFL && a.sa_handler != SIG_IGN;
}

void* handler_of(const struct sigaction& a) {
  return (a.sa_flags & SA_SIGINFO) ? reinterpret_cast<void*>(a.sa_sigaction) : reinterpret_cast<void*>(a.sa_handler);
}

// Saved: a copy of a slot, taken before the kernel's action changes.
struct Saved {
  void* fn;
  int flags;
  sigset_t mask;
};
Saved snapshot(int sig) {
  Slot& s = g_slots[sig];
  return {s.fn.load(std::memory_order_acquire), s.flags.load(std::memory_order_relaxed), s.mask};
}

// report: where the kernel's previous action is the wrapper, show what the
// program had installed instead.
void report(const Saved& saved, struct sigaction* out) {
  if (!out || !(out->sa_flags & SA_SIGINFO) || out->sa_sigaction != &wrapper) return;
  out->sa_flags = saved.flags;
  out->sa_mask = saved.mask;
  if (saved.flags & SA_SIGINFO) {
    out->sa_sigaction = reinterpret_cast<void (*)(int, siginfo_t*, void*)>(saved.fn);
  } else {
    out->sa_handler = reinterpret_cast<void (*)(int)>(saved.fn);
  }
}

// install: signal() and its old names, through the sigaction() hook below,
// so their handlers are wrapped like any other.
sighandler_t install(int sig, sighandler_t handler, int flags, bool mask_self) {
  struct sigaction act {
  }, old{};
  act.sa_handler = handler;
  sigemptyset(&act.sa_mask);
  if (mask_self && sig > 0 && sig < NSIG) sigaddset(&act.sa_mask, sig);
  act.sa_flags = flags;
  if (::sigaction(sig, &act, &old) != 0) return SIG_ERR;
  return old.sa_handler;  // shares its storage with sa_sigaction
}

}  // namespace

extern "C" {

int sigaction(int sig, const struct sigaction* act, struct sigaction* oldact) {
  gi::count(Hook::sigaction, gi::Why::green);
  if (sig <= 0 || sig >= NSIG) return REAL(sigaction)(sig, act, oldact);
  Saved before = snapshot(sig);
  // Green's own handlers (the hand-off watchdog's) are not the program's: no
  // wrapper, which would count them as a handler of the program that ran.
  if (!act || !is_handler(*act) || green::detail::is_green_code(handler_of(*act))) {
    int r = REAL(sigaction)(sig, act, oldact);
    if (r == 0) report(before, oldact);
    return r;
  }
  // Slot first: the wrapper may run as soon as the kernel knows it (a signal
  // in between still runs one of the program's handlers for this signal).
  Slot& s = g_slots[sig];
  s.mask = act->sa_mask;
  s.flags.store(act->sa_flags, std::memory_order_relaxed);
  s.fn.store(handler_of(*act), std::memory_order_release);
  struct sigaction wrapped = *act;
  wrapped.sa_sigaction = &wrapper;
  wrapped.sa_flags |= SA_SIGINFO;
  int r = REAL(sigaction)(sig, &wrapped, oldact);
  if (r == 0) report(before, oldact);
  return r;
}

// BSD semantics, as glibc's signal(): restarts, blocks itself while it runs.
sighandler_t signal(int sig, sighandler_t handler) { return install(sig, handler, SA_RESTART, true); }
sighandler_t bsd_signal(int sig, sighandler_t handler) { return install(sig, handler, SA_RESTART, true); }
// System V semantics: one delivery, then the default; no restart; not blocked.
sighandler_t sysv_signal(int sig, sighandler_t handler) {
  return install(sig, handler, SA_RESETHAND | SA_NODEFER, false);
}
// What signal() compiles to in strict ISO C (gcc -std=c11): <signal.h>
// redirects it here.
sighandler_t __sysv_signal(int sig, sighandler_t handler) { return sysv_signal(sig, handler); }

}  // extern "C"

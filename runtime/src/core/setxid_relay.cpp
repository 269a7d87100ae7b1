// core/setxid_relay.cpp — glibc's SIGSETXID handler run on the OS thread's own
// descriptor (setxid_relay_install, runtime_internal.h).
//
// The kernel keeps credentials per OS thread, so in a multi-threaded process
// glibc's setuid, setgid, seteuid, setresuid, setgroups & co. (2.36,
// nptl/nptl_setxid.c) mark every thread on its lists but the caller
// (THREAD_SELF), signal each with SIGSETXID, and loop until every mark is
// gone: the handler makes the system call on its own thread, then clears the
// mark in THREAD_SELF's `cancelhandling`. The caller makes the call last.
//
// In green-threads mode THREAD_SELF is whatever descriptor is installed. A
// green thread calling setuid on its hub's thread is not the OS thread's own
// descriptor, so glibc marks and signals that thread — the caller itself —
// whose handler, running on the green thread's descriptor, clears the mark on
// the wrong one: glibc signals it again, forever (measured: the caller spins
// in __nptl_setxid holding glibc's stack-list lock, and the watchdog, making a
// spare, waits on that lock too). A spare OS thread running a handed-off green
// thread, or a hub's thread with a green thread's descriptor installed, has
// the same trouble whoever calls.
//
// The relay puts the OS thread's own descriptor in place for glibc's handler,
// then the installed one back. Everything else is glibc's handler, unchanged:
// read from the kernel and kept with its flags, mask and restorer.
//
// On the caller's own OS thread the call is now made twice: by the handler
// (through the relay), then by glibc's final call. The second finds the ids
// already set, and asks for exactly what the first obtained: an unprivileged
// thread may always set each id to its current real, effective or saved
// value (setuid(u) after root's setuid(u) has ruid u; seteuid(u) after
// seteuid(u) has euid u; setresuid, setreuid and the gid calls alike), and
// setgroups and the gid calls change no capability, so they are as privileged
// the second time. So it succeeds, or fails with the same error, as glibc
// demands (it aborts when threads disagree), and changes nothing: the kernel
// commits credentials equal to the current ones without effect (not even the
// dumpable flag, which it resets only when an id changes).
#include <signal.h>
#include <sys/syscall.h>

#include <atomic>

#include "core/handoff.h"
#include "core/hub_core.h"
#include "core/thread_pointer.h"
#include "raw_syscall.h"
#include "runtime_internal.h"

namespace green::detail {

namespace {

// glibc 2.36: SIGCANCEL is __SIGRTMIN, SIGSETXID the next one.
constexpr int kSigSetxid = 33;

// The kernel's struct sigaction (x86-64), which rt_sigaction takes: glibc's
// sigaction refuses SIGSETXID, and its layout differs.
struct KernelSigaction {
  void* handler;
  unsigned long flags;
  void* restorer;
  unsigned long mask;
};

using Handler = void (*)(int, siginfo_t*, void*);
std::atomic<Handler> g_glibc{nullptr};

// own_thread_pointer: the calling OS thread's own descriptor, asked in a
// signal handler: its hub's record when this is the hub's thread (the
// installed descriptor, a green thread's, holds a copy of green's own
// thread_locals, so it names the hub too), a spare's, or else the installed
// one (only hubs and spares ever install another).
void* own_thread_pointer() noexcept {
  const int tid = os_tid();
  Hub* hub = Hub::peek_in_signal();
  if (hub && hub->tid() == tid) return hub->os_thread_pointer();
  if (void* tp = handoff_spare_thread_pointer(tid)) return tp;
  return thread_pointer();
}

// Async-signal-safe, and errno stays untouched: raw system calls only, and
// glibc's handler makes its own the same way.
void relay(int sig, siginfo_t* info, void* context) {
  void* installed = thread_pointer();
  void* own = own_thread_pointer();
  if (own != installed) set_thread_pointer(own);
  g_glibc.load(std::memory_order_acquire)(sig, info, context);
  if (own != installed) set_thread_pointer(installed);
}

}  // namespace

bool setxid_relay_install() noexcept {
  KernelSigaction now{};
  if (raw_syscall(SYS_rt_sigaction, kSigSetxid, 0, reinterpret_cast<long>(&now), sizeof now.mask) != 0) return false;
  if (now.handler == reinterpret_cast<void*>(&relay)) return true;
  // Not there before glibc's first pthread_create (late_init) installs it.
  if (!(now.flags & SA_SIGINFO) || now.handler == reinterpret_cast<void*>(SIG_DFL) ||
      now.handler == reinterpret_cast<void*>(SIG_IGN))
    return false;
  g_glibc.store(reinterpret_cast<Handler>(now.handler), std::memory_order_release);
  KernelSigaction mine = now;
  mine.handler = reinterpret_cast<void*>(&relay);
  return raw_syscall(SYS_rt_sigaction, kSigSetxid, reinterpret_cast<long>(&mine), 0, sizeof mine.mask) == 0;
}

}  // namespace green::detail

// sys/hooks_sigwait.cpp — sigwait, sigwaitinfo and sigtimedwait park the
// greenlet instead of the thread.
//
// The daemon layout — every thread blocks the signals, one sits in sigwait —
// would otherwise stop the whole hub (and under green-threads mode every
// thread of the program) until a signal comes. Instead: a signal already
// pending is taken at once (sigtimedwait with a zero timeout, the kernel's
// own dequeue: thread-directed before process-directed, lowest number
// first, siginfo as the kernel gives it); otherwise the greenlet parks on a
// signalfd for the set — readable while a signal of the set is pending for
// this thread or the process — and takes it the same way once it runs. The
// signal stays pending until taken, so nothing is lost if another thread or
// greenlet takes it first: the wait simply goes on.
//
// As natively: sigwaitinfo and sigtimedwait fail with EINTR when a handler of
// a signal outside the set runs while they wait (never restarted, whatever
// SA_RESTART says); glibc's sigwait carries on after one. sigtimedwait's
// timeout is a relative one measured from the call, EAGAIN when it passes;
// a zero or invalid timeout goes straight to libc. The signals waited for
// should be blocked (POSIX): one that is not may run its handler instead.
//
// sigsuspend(mask) and pause() wait for a handler to run. The greenlet parks
// until a handler of a signal the call would let through runs on its thread
// (EINTR, as from any call a signal interrupts: park.h) or until one of them
// that the thread blocks now is pending (a signalfd for those tells): then
// glibc's sigsuspend runs with `mask`, finds it pending, runs its handler and
// returns at once — the classic "block, test a flag, sigsuspend" pattern
// loses nothing. A handler that ran while a greenlet of the thread ran its
// own code (the sender of the signal, in green-threads mode) interrupts no
// parked call (park.h); the wait sees it at its next look, 1 ms doubling to
// 50 ms apart. The thread's mask is not switched to `mask` while it parks
// (the hub and the other greenlets of the thread run under it): a signal the
// thread leaves unblocked but `mask` blocks runs its handler meanwhile and
// ends the wait, where natively it would wait for the mask to come back.
#include <pthread.h>
#include <signal.h>
#include <sys/signalfd.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <chrono>

#include "gate/park.h"
#include "gate/real.h"
#include "green/io.h"

namespace gi = green::interpose;
using gi::Hook;

namespace {

// take: a pending signal of `set`, taken now: its number, or -1 with errno
// EAGAIN (none) or the kernel's error.
int take(const sigset_t* set, siginfo_t* info) {
  const timespec zero{0, 0};
  return REAL(sigtimedwait)(set, info, &zero);
}

// wait_signal: park until a signal of `set` is pending, then take it; -1 with
// EAGAIN when `d` passes first, EINTR on a handler (per `s`).
int wait_signal(Hook h, const sigset_t* set, siginfo_t* info, const gi::Deadline& d, gi::OnSignal s) {
  gi::count(h, gi::Why::green);
  int saved = errno;
  int r = take(set, info);
  if (r > 0 || errno != EAGAIN) return r;
  // Without a signalfd (out of fds or memory): look again after a back-off.
  int fd = ::signalfd(-1, set, SFD_NONBLOCK | SFD_CLOEXEC);
  auto backoff = std::chrono::milliseconds(1);
  gi::count(h, gi::Why::parked);
  for (;;) {
    errno = saved;
    int w;
    if (fd >= 0) {
      w = gi::wait_fd_ready(h, fd, green::READ, d, s);
    } else {
      gi::Deadline nap = gi::Deadline::after(std::min<green::Duration>(backoff, d.left()));
      w = gi::sleep_until(h, nap, s) < 0 ? -1 : d.left() > green::Duration::zero() ? 1 : 0;
      backoff = std::min(backoff * 2, std::chrono::milliseconds(50));
    }
    r = take(set, info);
    if (r > 0 || errno != EAGAIN) break;  // taken (or the kernel's error)
    if (w == 0) break;                    // deadline passed: EAGAIN, as the kernel says
    if (w < 0 && errno == EINTR) {
      r = -1;
      break;
    }
    if (w < 0) fd = -1;  // EBADF: the program closed our fd (closefrom...): it is gone; back off instead
  }
  if (fd >= 0) {
    // Through the close hook: the hub must forget its watch on this number,
    // or the next signalfd to get it would be taken for this one.
    int e = errno;
    ::close(fd);
    errno = e;
  }
  return r;
}

// ends: the signals `mask` lets through that the thread blocks now and that
// would not be discarded (a handler, or a default action that is not "ignore").
sigset_t ends(const sigset_t* mask) {
  sigset_t blocked, out;
  sigemptyset(&out);
  if (pthread_sigmask(SIG_SETMASK, nullptr, &blocked) != 0) return out;
  for (int sig = 1; sig < NSIG; ++sig) {
    if (sigismember(&blocked, sig) != 1 || sigismember(mask, sig) != 0) continue;
    struct sigaction sa {};
    if (sigaction(sig, nullptr, &sa) != 0 || sa.sa_handler == SIG_IGN) continue;
    if (sa.sa_handler == SIG_DFL && (sig == SIGCHLD || sig == SIGURG || sig == SIGWINCH || sig == SIGCONT)) continue;
    sigaddset(&out, sig);
  }
  return out;
}

bool any_pending(const sigset_t* set) {
  sigset_t pending;
  if (sigpending(&pending) != 0) return false;
  sigandset(&pending, &pending, set);
  return !sigisemptyset(&pending);
}

// suspend: sigsuspend(mask) as the top says; `native` is glibc's call.
template <class Native>
int suspend(Hook h, const sigset_t* mask, Native native) {
  gi::count(h, gi::Why::green);
  const sigset_t watch = ends(mask);
  if (any_pending(&watch)) return native();
  int saved = errno;
  int fd = sigisemptyset(&watch) ? -1 : ::signalfd(-1, &watch, SFD_NONBLOCK | SFD_CLOEXEC);
  if (!sigisemptyset(&watch) && fd < 0) return native();  // no fd to wait on: glibc's wait
  gi::count(h, gi::Why::parked);
  const unsigned ran = gi::handlers_ran_here();
  auto look = std::chrono::milliseconds(1);
  int r;
  for (;;) {
    errno = saved;
    gi::Deadline next = gi::Deadline::after(look);
    look = std::min(look * 2, std::chrono::milliseconds(50));
    int w = fd >= 0 ? gi::wait_fd_ready(h, fd, green::READ, next, gi::OnSignal::interrupt)
                    : gi::sleep_until(h, next, gi::OnSignal::interrupt);
    if ((w < 0 && errno == EINTR) || gi::handlers_ran_here() != ran) {  // a handler ran: what ends the call
      errno = EINTR;
      r = -1;
      break;
    }
    // Pending now (or our fd is gone: glibc's wait, as without green).
    if (w < 0 || any_pending(&watch)) {
      r = native();
      break;
    }
    // Nothing yet, or another thread took it first: look again.
  }
  if (fd >= 0) {
    int e = errno;
    ::close(fd);  // through the close hook: the hub forgets its watch
    errno = e;
  }
  return r;
}

}  // namespace

extern "C" {

int sigsuspend(const sigset_t* mask) {
  if (!gi::active(Hook::sigsuspend) || !mask) return REAL(sigsuspend)(mask);
  return gi::barrier(
      Hook::sigsuspend, [&] { return REAL(sigsuspend)(mask); },
      [&] { return suspend(Hook::sigsuspend, mask, [&] { return REAL(sigsuspend)(mask); }); });
}

int pause(void) {
  if (!gi::active(Hook::pause)) return REAL(pause)();
  sigset_t now;
  if (pthread_sigmask(SIG_SETMASK, nullptr, &now) != 0) return REAL(pause)();
  return gi::barrier(
      Hook::pause, [&] { return REAL(pause)(); },
      [&] { return suspend(Hook::pause, &now, [&] { return REAL(pause)(); }); });
}

int sigtimedwait(const sigset_t* set, siginfo_t* info, const struct timespec* timeout) {
  if (!gi::active(Hook::sigtimedwait) || !set ||
      (timeout && (!gi::valid_interval(timeout) || (timeout->tv_sec == 0 && timeout->tv_nsec == 0))))
    return REAL(sigtimedwait)(set, info, timeout);
  gi::Deadline d = timeout ? gi::Deadline::within(*timeout) : gi::Deadline::never();
  return gi::barrier(
      Hook::sigtimedwait, [&] { return REAL(sigtimedwait)(set, info, timeout); },
      [&] { return wait_signal(Hook::sigtimedwait, set, info, d, gi::OnSignal::interrupt); });
}

int sigwaitinfo(const sigset_t* set, siginfo_t* info) {
  if (!gi::active(Hook::sigwaitinfo) || !set) return REAL(sigwaitinfo)(set, info);
  return gi::barrier(
      Hook::sigwaitinfo, [&] { return REAL(sigwaitinfo)(set, info); },
      [&] { return wait_signal(Hook::sigwaitinfo, set, info, gi::Deadline::never(), gi::OnSignal::interrupt); });
}

int sigwait(const sigset_t* set, int* sig) {
  if (!gi::active(Hook::sigwait) || !set) return REAL(sigwait)(set, sig);
  return gi::barrier(
      Hook::sigwait, [&] { return REAL(sigwait)(set, sig); },
      [&] {
        // glibc's sigwait: the signal number in *sig, 0 or the error number
        // returned (not in errno), and a handler's EINTR never seen.
        int saved = errno;
        for (;;) {
          int r = wait_signal(Hook::sigwait, set, nullptr, gi::Deadline::never(), gi::OnSignal::restart);
          if (r > 0) {
            *sig = r;
            errno = saved;
            return 0;
          }
          if (errno != EINTR) {
            int e = errno;
            errno = saved;
            return e;
          }
        }
      });
}

}  // extern "C"

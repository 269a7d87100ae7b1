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

}  // namespace

extern "C" {

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

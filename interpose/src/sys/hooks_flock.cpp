// sys/hooks_flock.cpp — flock, lockf(F_LOCK) and fcntl's F_SETLKW and
// F_OFD_SETLKW park the greenlet instead of the thread.
//
// How: the non-blocking form of the same request (LOCK_NB, F_TLOCK, F_SETLK,
// F_OFD_SETLK) is tried; while another holder keeps it from succeeding the
// greenlet sleeps a back-off (1 ms doubling to 20 ms) and tries again. The
// lock is taken by the caller's own thread and open file description, so
// ownership is exactly the native one. Why not the thread pool, which would
// hand the lock over at once: a pool thread blocked in the kernel cannot be
// interrupted by the program's signals (the alarm()+F_SETLKW idiom needs
// EINTR), and a wait the caller abandons (kill, cancel) would also leave a pool
// thread to take a lock nobody wants. The cost: a lock released by its holder
// is taken up to one back-off step (at most 20 ms) later than natively.
//
// Signals: the back-off sleeps are parked with OnSignal::restart, so a
// handler without SA_RESTART that interrupts the hub's poll ends the wait with
// EINTR. Seen not to be reliable (the alarm()+F_SETLKW idiom missed EINTR
// in some runs on a loaded machine; the handler ran each time): a known gap,
// cause and remedy in docs/interposition.md. As natively: LOCK_NB /
// F_SETLK / F_TLOCK calls go straight to libc (EWOULDBLOCK, EACCES/EAGAIN);
// errors other than "held by another" (EBADF, EINVAL, ENOLCK...) are
// returned at once. Not as natively: the
// kernel detects an F_SETLKW deadlock (EDEADLK) only between waiters asleep
// in F_SETLKW; a greenlet that polls is not one, so a lock-order deadlock
// between processes waits on instead of failing (docs/interposition.md).
#include <fcntl.h>
#include <sys/file.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <chrono>

#include "gate/park.h"
#include "gate/real.h"
#include "sys/file_locks.h"

namespace gi = green::interpose;
using gi::Hook;

namespace {

// lock_wait: `attempt` is the non-blocking request (0, or -1 with errno);
// `held` says its errno means "someone else holds it". Parks between tries.
template <class Attempt, class Held>
int lock_wait(Hook h, Attempt attempt, Held held) {
  gi::count(h, gi::Why::green);
  const int saved = errno;
  int r = attempt();
  if (r == 0 || !held(errno)) return r;
  auto backoff = std::chrono::milliseconds(1);
  for (;;) {
    errno = saved;
    if (gi::sleep_until(h, gi::Deadline::after(backoff), gi::OnSignal::restart) < 0) return -1;  // EINTR
    r = attempt();
    if (r == 0) errno = saved;
    if (r == 0 || !held(errno)) return r;
    backoff = std::min(backoff * 2, std::chrono::milliseconds(20));
  }
}

bool record_held(int e) { return e == EACCES || e == EAGAIN; }

}  // namespace

namespace green::interpose {

int wait_record_lock(Hook h, int fd, int cmd, void* lk) {
  const int try_cmd = cmd == F_SETLKW ? F_SETLK : F_OFD_SETLK;
  auto native = [&] { return REAL(fcntl)(fd, cmd, lk); };
  // An unlock never waits; a bad pointer fails at once (EFAULT) either way.
  if (!lk || static_cast<struct flock*>(lk)->l_type == F_UNLCK) return native();
  return barrier(h, native, [&] {
    return lock_wait(
        h, [&] { return REAL(fcntl)(fd, try_cmd, lk); }, record_held);
  });
}

}  // namespace green::interpose

namespace {
// lockf_hook: lockf and lockf64, which differ only in the offset's type.
template <class Off, class Real>
int lockf_hook(Hook h, Real real, int fd, int cmd, Off len) {
  if (!gi::active(h) || cmd != F_LOCK) return real(fd, cmd, len);
  return gi::barrier(
      h, [&] { return real(fd, cmd, len); },
      [&] {
        return lock_wait(
            h, [&] { return real(fd, F_TLOCK, len); }, record_held);
      });
}
}  // namespace

extern "C" {

int flock(int fd, int op) {
  if (!gi::active(Hook::flock) || (op & LOCK_NB) || !(op & (LOCK_SH | LOCK_EX))) return REAL(flock)(fd, op);
  return gi::barrier(
      Hook::flock, [&] { return REAL(flock)(fd, op); },
      [&] {
        return lock_wait(
            Hook::flock, [&] { return REAL(flock)(fd, op | LOCK_NB); }, [](int e) { return e == EWOULDBLOCK; });
      });
}

int lockf(int fd, int cmd, off_t len) { return lockf_hook(Hook::lockf, REAL(lockf), fd, cmd, len); }

int lockf64(int fd, int cmd, off64_t len) { return lockf_hook(Hook::lockf64, REAL(lockf64), fd, cmd, len); }

}  // extern "C"

// io/hooks_fd.cpp — the fd lifecycle: close, close_range, closefrom, dup*,
// fcntl, ioctl, socket options, pipe, pipe2, eventfd, epoll_create(1).
//
// dup2/dup3 onto one of green's own fds, and dup/F_DUPFD that natively would
// return one, move green's file away first (dup_onto, lowest_for_program):
// the program gets exactly the number it gets natively.
//
// close and dup2/dup3 over an fd first wake every greenlet of this thread
// waiting on it (they get EBADF) and bump the fd's generation, so a waiter
// can never mistake a reused number for its fd. fcntl, ioctl, setsockopt and
// getsockopt pass through unchanged: green keeps no private copy of O_NONBLOCK
// or the socket timeouts (see fdtable.h), so F_GETFL, FIONBIO, SO_RCVTIMEO and
// SO_SNDTIMEO mean exactly what they mean to libc; the ones that change them
// only tell the table to read them again (io_changed).
#include <linux/close_range.h>
#include <sys/ioctl.h>
#include <sys/socket.h>

#include <cstdarg>

#include "gate/gate.h"
#include "gate/real.h"
#include "green/io.h"
#include "io/fdtable.h"
#include "runtime_internal.h"
#include "sys/file_locks.h"

namespace gi = green::interpose;
using gi::Hook;

namespace {

namespace gd = green::detail;

// green's own fds (runtime/src/core/internal_fd.h) are not the program's: to
// it they are numbers it never opened, so close and fcntl answer EBADF, and
// close_range/closefrom close everything around them. Only the runtime,
// inside an InternalFdScope, closes them for real.
bool greens(int fd) noexcept { return gd::is_internal_fd(fd) && !gd::internal_fd_scope_active(); }

// close_around_green: close_range(first, last, flags), leaving green's fds open.
int close_around_green(unsigned first, unsigned last, int flags) noexcept {
  unsigned from = first;
  for (;;) {
    int g = from > 0x7fffffffu ? -1 : gd::next_internal_fd(static_cast<int>(from));
    if (g < 0 || static_cast<unsigned>(g) > last) return REAL(close_range)(from, last, flags);
    if (static_cast<unsigned>(g) > from) {
      int r = REAL(close_range)(from, static_cast<unsigned>(g) - 1, flags);
      if (r != 0) return r;
    }
    if (static_cast<unsigned>(g) == last) return 0;
    from = static_cast<unsigned>(g) + 1;
  }
}

// replacing: `fd` is about to be closed or overwritten.
void replacing(Hook h, int fd) noexcept {
  if (gi::active(h)) {
    gi::count(h, gi::Why::green);
    if (green::detail::hub_exists()) green::notify_close(fd);
    green::detail::hub_set_notify_close(fd);
  }
  gi::fd_forget(fd);
}

// close_range / closefrom: every number of the range green knows about is
// forgotten (and its waiters woken) like a close() of it. The rest were never
// seen by a hook, so nothing about them is remembered.
void replacing_range(Hook h, unsigned first, unsigned last) noexcept {
  const unsigned end = static_cast<unsigned>(gi::fd_limit());
  for (unsigned fd = first; fd <= last && fd < end; ++fd)
    if (gi::fd_seen(static_cast<int>(fd)) && !greens(static_cast<int>(fd))) replacing(h, static_cast<int>(fd));
}

bool is_dup_cmd(int cmd) noexcept { return cmd == F_DUPFD || cmd == F_DUPFD_CLOEXEC; }

// dup_onto: the program's dup2/dup3 of `fd` onto `fd2` (`call`). When `fd2`
// is one of green's numbers (natively free, so the call succeeds or fails for
// `fd` alone), green's file moves away first (a claim) and the call goes on.
// It fails before that when `fd` is not open (EBADF, natively too) or green
// cannot move that fd (EBUSY, docs/interposition.md). The call itself runs
// while green places no new fd (NoPlacement): another thread's hub cannot
// put one on `fd2` between the check and the call.
template <class Call>
int dup_onto(int fd, int fd2, Call call) {
  if (fd == fd2 || gd::internal_fd_scope_active()) return call();
  for (int tries = 0;; ++tries) {
    if (gd::is_internal_fd(fd2) && tries < 100) {
      if (REAL(fcntl)(fd, F_GETFD) < 0) return -1;
      if (gd::claim_internal_fd(fd2) < 0) return -1;
    }
    gd::NoPlacement hold;
    if (!gd::is_internal_fd(fd2) || tries >= 100) return call();
  }
}

// lowest_for_program: `r`, what dup or fcntl(F_DUPFD*, from) returned for
// `fd`, is the lowest number >= `from` free in the kernel's table; the
// program's lowest free one is lower when green holds a number in between
// (the program filled everything else): it gets that one, green's file moves.
int lowest_for_program(int fd, int r, int from, bool cloexec) noexcept {
  if (r < 0 || gd::internal_fd_scope_active()) return r;
  int g = gd::next_internal_fd(from, r);
  if (g < 0 || gd::claim_internal_fd(g) <= 0) return r;
  int saved = errno;
  if (REAL(dup3)(fd, g, cloexec ? O_CLOEXEC : 0) == g) {
    REAL(close)(r);
    r = g;
  } else {
    REAL(close)(g);  // green's old file there: the number is free now, as natively
  }
  errno = saved;
  return r;
}

template <class Real>
int do_fcntl(Hook h, Real real, int fd, int cmd, void* arg) {
  // A lock request that waits parks the greenlet (sys/hooks_flock.cpp).
  if ((cmd == F_SETLKW || cmd == F_OFD_SETLKW) && gi::active(h)) return gi::wait_record_lock(h, fd, cmd, arg);
  if (gi::active(h)) gi::count(h, gi::Why::green);
  if (greens(fd)) {
    errno = EBADF;
    return -1;
  }
  // Status flags are read and set under the lock green's one-call O_NONBLOCK
  // holds (fdtable.h): no thread sees green's flag, or has its change undone.
  int r;
  if (cmd == F_GETFL || cmd == F_SETFL) {
    gi::FlagsLock lock;
    r = real(fd, cmd, arg);
  } else {
    r = real(fd, cmd, arg);
  }
  if (r >= 0 && is_dup_cmd(cmd)) {
    r = lowest_for_program(fd, r, static_cast<int>(reinterpret_cast<intptr_t>(arg)), cmd == F_DUPFD_CLOEXEC);
    gi::fd_copied(fd, r);
  }
  if (cmd == F_SETFL) gi::io_changed();
  return r;
}

}  // namespace

extern "C" {

int close(int fd) {
  if (gd::internal_close_given_up(fd)) return 0;  // libev's old epoll fd: the program's number now
  if (gd::is_internal_fd(fd)) {
    if (!gd::internal_fd_scope_active()) {
      errno = EBADF;
      return -1;
    }
    gd::forget_internal_fd(fd);
    return REAL(close)(fd);
  }
  replacing(Hook::close, fd);
  return REAL(close)(fd);
}

int close_range(unsigned first, unsigned last, int flags) {
  // CLOSE_RANGE_CLOEXEC only marks the fds: none closes now. With
  // CLOSE_RANGE_UNSHARE only the caller's new private copy of the fd table is
  // closed: the process's other threads keep their fds (and green's table).
  // Arguments the kernel refuses (EINVAL) close nothing either.
  const bool closes = flags == 0 && first <= last;
  if (closes) replacing_range(Hook::close_range, first, last);
  // CLOSE_RANGE_CLOEXEC marks green's fds as they already are.
  if (first > last || (flags & CLOSE_RANGE_CLOEXEC)) return REAL(close_range)(first, last, flags);
  return close_around_green(first, last, flags);
}

void closefrom(int lowfd) {
  if (lowfd < 0) return REAL(closefrom)(lowfd);  // glibc's own answer to a bad argument
  replacing_range(Hook::closefrom, static_cast<unsigned>(lowfd), ~0u);
  int from = lowfd;
  for (int g; (g = gd::next_internal_fd(from)) >= 0; from = g + 1) {
    if (g == from) continue;
    if (REAL(close_range)(static_cast<unsigned>(from), static_cast<unsigned>(g) - 1, 0) != 0) {
      int saved = errno;  // no close_range (ENOSYS): one by one, as glibc's fallback
      for (int fd = from; fd < g; ++fd) REAL(close)(fd);
      errno = saved;
    }
  }
  REAL(closefrom)(from);
}

int dup(int fd) {
  if (gi::active(Hook::dup)) gi::count(Hook::dup, gi::Why::green);
  if (greens(fd)) {
    errno = EBADF;
    return -1;
  }
  int r = lowest_for_program(fd, REAL(dup)(fd), 0, false);
  if (r >= 0) gi::fd_copied(fd, r);
  return r;
}

int dup2(int fd, int fd2) {
  if (greens(fd)) {
    errno = EBADF;
    return -1;
  }
  if (fd != fd2 && gi::fd_kind(fd) != gi::Kind::invalid) replacing(Hook::dup2, fd2);
  int r = dup_onto(fd, fd2, [&] { return REAL(dup2)(fd, fd2); });
  if (r >= 0 && fd != fd2) gi::fd_copied(fd, r);
  return r;
}

int dup3(int fd, int fd2, int flags) {
  if (greens(fd)) {
    errno = EBADF;
    return -1;
  }
  if (fd != fd2 && gi::fd_kind(fd) != gi::Kind::invalid) replacing(Hook::dup3, fd2);
  int r = (flags & ~O_CLOEXEC) != 0 ? REAL(dup3)(fd, fd2, flags)
                                    : dup_onto(fd, fd2, [&] { return REAL(dup3)(fd, fd2, flags); });
  if (r >= 0) gi::fd_copied(fd, r);
  return r;
}

// fcntl and fcntl64: one hook under two names. The variadic argument is an
// int or a pointer; both travel in one register class on every ABI glibc
// supports, which is how glibc's own fcntl reads it.
#define GREEN_FCNTL_HOOK(name)                             \
  int name(int fd, int cmd, ...) {                         \
    va_list ap;                                            \
    va_start(ap, cmd);                                     \
    void* arg = va_arg(ap, void*);                         \
    va_end(ap);                                            \
    return do_fcntl(Hook::name, REAL(name), fd, cmd, arg); \
  }
GREEN_FCNTL_HOOK(fcntl)
GREEN_FCNTL_HOOK(fcntl64)
#undef GREEN_FCNTL_HOOK

int ioctl(int fd, unsigned long request, ...) {
  va_list ap;
  va_start(ap, request);
  void* arg = va_arg(ap, void*);
  va_end(ap);
  if (gi::active(Hook::ioctl)) gi::count(Hook::ioctl, gi::Why::green);
  if (request != FIONBIO) return REAL(ioctl)(fd, request, arg);
  int r;
  {
    gi::FlagsLock lock;  // as fcntl(F_SETFL), above
    r = REAL(ioctl)(fd, request, arg);
  }
  gi::io_changed();
  return r;
}

int setsockopt(int fd, int level, int name, const void* val, socklen_t len) {
  if (gi::active(Hook::setsockopt)) gi::count(Hook::setsockopt, gi::Why::green);
  int r = REAL(setsockopt)(fd, level, name, val, len);
  // Any socket-level option: SO_RCVTIMEO and SO_SNDTIMEO have several numbers
  // (old and 64-bit time layouts), and setsockopt is never on a hot path.
  if (level == SOL_SOCKET) gi::io_changed();
  return r;
}

int getsockopt(int fd, int level, int name, void* val, socklen_t* len) {
  if (gi::active(Hook::getsockopt)) gi::count(Hook::getsockopt, gi::Why::green);
  return REAL(getsockopt)(fd, level, name, val, len);
}

int pipe(int fds[2]) {
  int r = REAL(pipe)(fds);
  if (r == 0) {
    gi::fd_opened(fds[0], gi::Kind::pollable);
    gi::fd_opened(fds[1], gi::Kind::pollable);
  }
  return r;
}

int pipe2(int fds[2], int flags) {
  int r = REAL(pipe2)(fds, flags);
  if (r == 0) {
    gi::fd_opened(fds[0], gi::Kind::pollable);
    gi::fd_opened(fds[1], gi::Kind::pollable);
  }
  return r;
}

// eventfd, epoll_create, epoll_create1: libev makes the hub's eventfd and
// epoll fd with them, inside an InternalFdScope: those move out of the
// program's way (adopt_created_fd); the program's own stay where they are.
int eventfd(unsigned int initval, int flags) {
  int r = REAL(eventfd)(initval, flags);
  if (r >= 0) r = gd::adopt_created_fd(r);
  if (r >= 0 && !gd::is_internal_fd(r)) gi::fd_opened(r, gi::Kind::pollable);
  return r;
}

int epoll_create(int size) {
  int r = REAL(epoll_create)(size);
  return r >= 0 ? gd::adopt_created_fd(r) : r;
}

int epoll_create1(int flags) {
  int r = REAL(epoll_create1)(flags);
  return r >= 0 ? gd::adopt_created_fd(r) : r;
}

}  // extern "C"

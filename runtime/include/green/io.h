// green/io.h — wait for a file descriptor without blocking the thread.
//
//   if (!green::wait_read(fd, 2s)) { /* timed out */ }
//   ssize_t n = ::read(fd, buf, sizeof buf);   // will not block now (fd is non-blocking)
//
// Works on anything epoll can watch: sockets, pipes, FIFOs, ttys, eventfds,
// timerfds, epoll fds. Regular files are always "ready" (epoll refuses them):
// wait_fd returns -1 with errno EPERM for them, as epoll_ctl does.
#pragma once

#include "green/duration.h"

namespace green {

// Event bits for wait_fd.
inline constexpr int READ = 1;
inline constexpr int WRITE = 2;
// CLOSED: a revents bit: the fd is not open, or was closed during the wait.
inline constexpr int CLOSED = 4;

// PollFd: one fd and the readiness wanted (READ|WRITE); revents is the answer:
// the ready subset of `events`, plus CLOSED. Negative fds are ignored (as poll()
// does), so an entry can be switched off in place. (green/select.h waits on several.)
struct PollFd {
  int fd = -1;
  int events = 0;
  int revents = 0;
};

// wait_fd: park until `fd` is ready for `events` (READ|WRITE) or `timeout`
// passes. Returns the ready subset (>0), 0 on timeout, or -1 with errno set:
// EBADF when the fd is invalid or was closed under the wait (notify_close),
// EPERM when it cannot be polled (regular file). Never throws for fd problems;
// kill and Timeout exceptions aimed at the caller do propagate.
int wait_fd(int fd, int events, Duration timeout = forever);

// wait_read / wait_write: wait_fd for one direction. Return false on timeout;
// throw std::system_error for fd errors (EBADF, EPERM).
bool wait_read(int fd, Duration timeout = forever);
bool wait_write(int fd, Duration timeout = forever);

// notify_close: wake every greenlet of this thread's hub waiting on `fd`; their
// wait_fd returns -1/EBADF. Call it before closing an fd others may wait on
// (the interposer's close() does). Never blocks.
void notify_close(int fd) noexcept;

}  // namespace green

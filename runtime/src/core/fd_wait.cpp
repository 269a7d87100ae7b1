// core/fd_wait.cpp — the single- and multi-fd waits of green/io.h and
// runtime_internal.h, on the fd-wait engine (fd_engine.h).
#include "green/io.h"

#include <cerrno>
#include <string>
#include <system_error>

#include "core/fd_engine.h"
#include "core/hub_core.h"
#include "runtime_internal.h"

namespace green {

int wait_fd(int fd, int events, Duration timeout) {
  if (fd < 0) {
    errno = EBADF;
    return -1;
  }
  events &= READ | WRITE;
  if (events == 0) {
    errno = EINVAL;
    return -1;
  }
  // Check first, whatever the timeout: an invalid fd must become -1/EBADF here,
  // because libev (built with assertions on Debian) aborts the process when
  // epoll_ctl says EBADF; and an fd that is ready already needs no watcher.
  PollFd p{fd, events, 0};
  if (detail::check_fds({&p, 1}) < 0) return -1;
  if (p.revents & CLOSED) {
    errno = EBADF;
    return -1;
  }
  if (p.revents != 0 && !detail::fd_pollable(fd)) {
    errno = EPERM;
    return -1;
  }
  if (p.revents != 0 || timeout <= Duration::zero()) return p.revents;
  // The caller may have closed and reused the number since its last wait
  // without notify_close: tag 0, registered anew.
  return detail::wait_fd_known(fd, events, detail::Deadline::after(timeout), 0);
}

namespace detail {

int wait_fd_known(int fd, int events, Deadline deadline, std::uint32_t tag) {
  events &= READ | WRITE;
  if (deadline.left() <= Duration::zero()) return 0;
  const char* reason = events == READ    ? "an fd to become readable"
                       : events == WRITE ? "an fd to become writable"
                                         : "an fd to become readable or writable";
  PollFd p{fd, events, 0};
  wait_any({&p, 1}, {}, nullptr, deadline, {reason, true, tag});
  if (p.revents & CLOSED) {
    errno = EBADF;
    return -1;
  }
  return p.revents;
}

int wait_fds(PollFd* fds, std::size_t n, Deadline deadline) {
  for (std::size_t i = 0; i < n; ++i) fds[i].revents = 0;
  wait_any({fds, n}, {}, nullptr, deadline, {"poll/select: one of several fds to become ready", false, 0});
  int ready = 0;
  for (std::size_t i = 0; i < n; ++i) ready += fds[i].revents != 0;
  return ready;
}

}  // namespace detail

static bool wait_one(int fd, int events, Duration timeout) {
  int r = wait_fd(fd, events, timeout);
  if (r < 0) throw std::system_error(errno, std::generic_category(), "green: cannot wait on fd " + std::to_string(fd));
  return r != 0;
}

bool wait_read(int fd, Duration timeout) { return wait_one(fd, READ, timeout); }
bool wait_write(int fd, Duration timeout) { return wait_one(fd, WRITE, timeout); }

void notify_close(int fd) noexcept {
  if (detail::Hub* h = detail::Hub::peek()) h->fd_slots().notify_close(fd);
}

}  // namespace green

// core/fd_wait.cpp — wait_fd and notify_close (green/io.h).
#include "green/io.h"

#include <poll.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <unistd.h>

#include <cerrno>
#include <memory>
#include <system_error>

#include "runtime_internal.h"
#include "green/detail/sched.h"
#include "core/hub_core.h"

namespace green {

namespace {
// A zero-timeout check. A raw syscall: under the preload, poll() is hooked.
int poll_now(int fd, int events) {
  pollfd p{fd, static_cast<short>((events & READ ? POLLIN : 0) | (events & WRITE ? POLLOUT : 0)), 0};
  long r = ::syscall(SYS_poll, &p, 1, 0);
  if (r < 0) return -1;
  if (r == 0) return 0;
  if (p.revents & POLLNVAL) {
    errno = EBADF;
    return -1;
  }
  int out = 0;
  // Errors and hang-ups make both directions "ready": the next call reports them.
  if (p.revents & (POLLIN | POLLHUP | POLLERR)) out |= READ;
  if (p.revents & (POLLOUT | POLLERR)) out |= WRITE;
  return out & events;
}

// not_pollable: epoll refuses regular files and directories (EPERM), while
// poll() calls them always ready. A raw syscall: under the preload, fstat may be hooked.
bool not_pollable(int fd) {
  struct stat st;
  if (::syscall(SYS_fstat, fd, &st) != 0) return false;
  return S_ISREG(st.st_mode) || S_ISDIR(st.st_mode);
}
}  // namespace

namespace {
struct WaitState {
  detail::FdWait wait;
  int revents = 0;
};

void on_ready(void* arg, int revents) {
  auto* s = static_cast<WaitState*>(arg);
  s->revents = revents;
  detail::wake(s->wait.greenlet);
}

// park_on: list the wait for notify_close, start `watch` (see FdWatch::start
// for `same_file`), park until the fd is ready, closed, or `timeout` passed.
int park_on(detail::Hub& hub, int fd, int events, Duration timeout, detail::FdWatch& watch, bool same_file,
            WaitState& st) {
  st.wait.greenlet = hub.current();
  st.wait.watch = &watch;
  hub.add_fd_wait(fd, st.wait);
  watch.start(hub.loop(), fd, events, same_file);
  struct Clear {
    detail::FdWatch& w;
    detail::GreenletCore* g;
    ~Clear() {
      w.stop();  // also when a kill or Timeout unwinds the wait
      g->wait_fd_ = -1;
    }
  } clear{watch, st.wait.greenlet};
  st.wait.greenlet->wait_fd_ = fd;
  const char* reason = events == READ ? "an fd to become readable"
                       : events == WRITE ? "an fd to become writable"
                                         : "an fd to become readable or writable";
  // A wake that is not this fd's (another greenlet's wake of a parked
  // greenlet) parks again for what is left, never for the whole timeout.
  const detail::Deadline deadline = detail::deadline_after(timeout);
  while (st.revents == 0 && !st.wait.closed) {
    Duration left = detail::time_left(deadline);
    if (left <= Duration::zero() || !hub.park(reason, left)) break;
  }
  if (st.wait.closed || st.revents < 0) {
    errno = EBADF;
    return -1;
  }
  return st.revents & events;
}
}  // namespace

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
  int now = poll_now(fd, events);
  if (now > 0 && not_pollable(fd)) {
    errno = EPERM;
    return -1;
  }
  if (now != 0 || timeout <= Duration::zero()) return now;

  detail::Hub& hub = detail::Hub::get();
  WaitState st;
  // The caller may have closed and reused the number since its last wait
  // without notify_close: a fresh watch, registered anew.
  detail::FdWatch watch(&on_ready, &st);
  return park_on(hub, fd, events, timeout, watch, false, st);
}

namespace detail {

int wait_fd_known(int fd, int events, Duration timeout, std::uint32_t tag) {
  events &= READ | WRITE;
  if (timeout <= Duration::zero()) return 0;
  Hub& hub = Hub::get();
  FdSlot& slot = hub.fd_slot(fd);
  WaitState st;
  if (slot.watch_busy) {  // another greenlet waits on this fd through it
    FdWatch watch(&on_ready, &st);
    return park_on(hub, fd, events, timeout, watch, false, st);
  }
  if (!slot.watch) slot.watch = std::make_unique<FdWatch>(&on_ready, nullptr);
  const bool same_file = tag != 0 && slot.tag == tag;
  slot.tag = tag;
  slot.watch_busy = true;
  struct Release {
    FdSlot& s;
    ~Release() { s.watch_busy = false; }
  } release{slot};
  slot.watch->retarget(&on_ready, &st);
  return park_on(hub, fd, events, timeout, *slot.watch, same_file, st);
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
  if (detail::Hub* h = detail::Hub::peek()) h->notify_close(fd);
}

}  // namespace green

// core/fd_engine.h — the one fd-wait engine: "wait for any of N fds (each
// with its events) and waitable objects until a deadline". wait_fd,
// green::select / poll_fds and the interposer's poll/select/epoll hooks
// (runtime_internal.h: wait_fds, wait_fd_known) are all built on these two
// calls, so the guards and the close rules are written here once:
//
//   - check_fds, the one readiness check: a zero-timeout poll. A number that
//     is not open is reported CLOSED (the callers turn it into EBADF or report
//     it), an fd that is ready costs no watcher; errors and hang-ups make both
//     directions ready, so the next call reports them. Regular files and
//     directories poll ready (fd_pollable tells them apart for wait_fd).
//   - wait_any, the park: one libev watch per fd and one link per object, all
//     waking the caller. Each fd's wait is listed under its number, so
//     notify_close(fd) wakes it with CLOSED; a watch libev refuses (EV_ERROR)
//     is CLOSED too. Everything is disarmed on return, also when kill or a
//     Timeout unwinds the wait.
#pragma once

#include <cstddef>
#include <cstdint>
#include <span>
#include <vector>

#include "green/detail/deadline.h"
#include "green/detail/linkable.h"
#include "green/io.h"

namespace green::detail {

// check_fds: one zero-timeout poll of every entry with fd >= 0 and events
// (READ|WRITE) set: revents becomes the ready subset, or CLOSED for a number
// that is not open; other entries get 0. Returns how many entries have a
// non-zero revents, or -1 with errno when the poll itself fails (ENOMEM).
// A raw system call: under the preload, poll() is hooked.
long check_fds(std::span<PollFd> fds) noexcept;

// fd_pollable: epoll can watch `fd` (not a regular file or directory: epoll
// refuses those with EPERM, while poll calls them always ready).
bool fd_pollable(int fd) noexcept;

// FdWaitOptions: how wait_any watches.
struct FdWaitOptions {
  const char* reason;  // what the caller waits for, in "would block forever" errors and dumps
  // checked: the caller has just seen every fd open (check_fds, or a call
  // that said EAGAIN). Otherwise a number that is not open is listed for
  // notify_close but not watched: libev (with assertions on, as Debian builds
  // it) aborts on epoll_ctl's EBADF, and the kernel's select ignores numbers
  // above its fd table, which the interposer's select hands down.
  bool checked = true;
  // tag: names the file behind each number (the interposer's fd generation,
  // a Socket's constant): while the same non-zero tag comes back and no
  // notify_close came between, the fd's reused watch is restarted without
  // registering the fd with the kernel again. 0: registered anew.
  std::uint32_t tag = 0;
};

// wait_any: park the calling greenlet until one of `fds` is ready or closed,
// one of `objects` fires, or `deadline` passes. No readiness check first (see
// check_fds). On return each fds[i].revents holds what its watch reported
// during the wait: a subset of its events, CLOSED, or 0; `fired` (resized to
// objects.size()) says which objects fired. Entries with fd < 0 or no events
// are left alone. Returns whether anything fired or closed (false: the
// deadline passed). A one-fd wait names its fd in dumps. Throws what park
// throws (kill, Timeout, BlockingInHubError, LoopExit); watches and links are
// gone on return and on unwind.
bool wait_any(std::span<PollFd> fds, std::span<Linkable* const> objects, std::vector<bool>* fired, Deadline deadline,
              const FdWaitOptions& opt);

}  // namespace green::detail

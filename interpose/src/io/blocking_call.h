// io/blocking_call.h — the two ways a hook turns one blocking call into waits.
//
// Sockets: the call is attempted with MSG_DONTWAIT (or, for the calls that
// take no flags, once_nonblocking, below); while it says
// EAGAIN the greenlet parks on the fd, within the socket's SO_RCVTIMEO /
// SO_SNDTIMEO, after which the caller gets EAGAIN as from libc.
//
// Other pollable fds (pipes, FIFOs, ttys, eventfds): the greenlet parks until
// poll says ready — asked again once it runs, as another greenlet may have
// taken what woke it — then the real, unchanged call runs. It does not block,
// because readiness means data (or space for PIPE_BUF bytes) is there. A
// writer that races us from another process can still make it block.
//
// Either way, an fd the user made non-blocking gets libc's answer untouched.
#pragma once

#include <fcntl.h>
#include <sys/socket.h>
#include <sys/types.h>

#include "gate/gate.h"
#include "gate/park.h"
#include "gate/real.h"
#include "green/io.h"
#include "io/fdtable.h"
#include "runtime_internal.h"

namespace green::interpose {

// reads_park_first: a blocking read on `fd` should wait for readiness before
// its first try: the fd's last read found nothing (so, most often, will this
// one: a server's next request, the echo of what it just sent; fdtable.h:
// reads_wait), and nothing else is ready to run, so parking hands over to the
// event loop at once. That saves the try that would say EAGAIN; when data is
// there after all, the loop's poll says so at once.
inline bool reads_park_first(int fd) noexcept { return reads_wait(fd) && detail::parking_reaches_loop(); }

// Attempt: one non-blocking try; returns like the libc call (-1 + errno).
// First: what a call does before its first wait. Plain reads of data may
// park first (reads_park_first, above); MSG_OOB, MSG_ERRQUEUE and accept may
// not: what they take (urgent data, a priority event; queued errors; a
// connection) is not what the hub's read watch waits for, so only their own
// try can tell.
enum class First { attempt, park_if_reads_wait };

// plain_read: recv flags that may park first.
inline First plain_read(int flags) noexcept {
  return (flags & (MSG_OOB | MSG_ERRQUEUE)) ? First::attempt : First::park_if_reads_wait;
}

template <class Attempt>
ssize_t socket_io(Hook h, int fd, int events, int timeo_opt, Deadline* d, bool* have_deadline, Attempt attempt,
                  First first = First::attempt) {
  const bool reading = first == First::park_if_reads_wait;
  ssize_t r;
  if (reading && reads_park_first(fd)) {
    count(h, Why::parked_first);
    r = -1;  // as if the try had said EAGAIN (reads_park_first)
    errno = EAGAIN;
  } else {
    r = attempt();
    if (r >= 0 || !would_block(errno)) {
      if (reading) note_read(fd, false);
      return r;
    }
  }
  if (user_nonblocking(fd)) {
    count(h, Why::user_nonblock);
    return r;
  }
  if (!*have_deadline) {
    *d = socket_deadline(fd, timeo_opt);
    *have_deadline = true;
  }
  OnSignal on_signal = d->forever() ? OnSignal::restart : OnSignal::interrupt;
  if (reading) note_read(fd, true);
  for (;;) {
    int w = wait_fd_ready(h, fd, events, *d, on_signal);
    if (w == 0) {
      errno = EAGAIN;
      return -1;
    }
    if (w < 0) return -1;
    r = attempt();
    if (r >= 0 || !would_block(errno)) return r;
    // Ready, yet EAGAIN: a datagram socket whose reading side is shut down
    // polls readable, and MSG_DONTWAIT says EAGAIN where a blocking recv
    // returns 0 (found by tests/fuzz: it spun here for ever).
    if ((events & green::READ) && read_shut_down(fd)) return 0;
    // Whatever else keeps an fd "ready" while the call says EAGAIN, the
    // socket's timeout still ends the call.
    if (!d->forever() && d->left() <= Duration::zero()) {
      errno = EAGAIN;
      return -1;
    }
  }
}

// socket_io, one call's own deadline.
template <class Attempt>
ssize_t socket_io(Hook h, int fd, int events, int timeo_opt, Attempt attempt, First first = First::attempt) {
  Deadline d;
  bool have = false;
  return socket_io(h, fd, events, timeo_opt, &d, &have, attempt, first);
}

// socket_all: repeat socket_io until `total` bytes moved (a blocking stream
// send, or MSG_WAITALL), EOF, an error or the deadline. Like the kernel,
// returns the bytes moved so far when something stops it after progress.
// attempt(done) moves bytes from offset `done`.
template <class Attempt>
ssize_t socket_all(Hook h, int fd, int events, int timeo_opt, size_t total, Attempt attempt,
                   First first = First::attempt) {
  Deadline d;
  bool have = false;
  size_t done = 0;
  do {
    ssize_t r = socket_io(
        h, fd, events, timeo_opt, &d, &have, [&] { return attempt(done); }, first);
    if (r < 0) return done > 0 ? static_cast<ssize_t>(done) : -1;
    if (r == 0) break;
    done += static_cast<size_t>(r);
  } while (done < total);
  return static_cast<ssize_t>(done);
}

// once_nonblocking: one attempt of `call` — accept, connect, sendfile: calls
// that take no MSG_DONTWAIT — that does not block the thread. On a description
// no other process holds (fd_private), with O_NONBLOCK on for just that call.
// On one another process may hold, O_NONBLOCK is never touched (that process
// would see it): the call runs only once poll says `fd` is ready for `events`
// (EAGAIN before), and can still block if another process takes what was
// ready first (docs/interposition.md, "Flags on shared sockets").
// *user_nb: the user's own O_NONBLOCK is set (the call ran as it is).
template <class Call>
auto once_nonblocking(int fd, int events, bool* user_nb, Call call) -> decltype(call()) {
  if (fd_private(fd)) return with_nonblock(fd, user_nb, call);
  *user_nb = user_nonblocking(fd);
  if (!*user_nb && green::wait_fd(fd, events, Duration::zero()) == 0) {
    errno = EAGAIN;
    return -1;
  }
  return call();
}

// poll_then_call: wait until `fd` is ready for `events`, then make the real
// (blocking) call.
template <class Call>
ssize_t poll_then_call(Hook h, int fd, int events, Call call) {
  int w = green::wait_fd(fd, events, Duration::zero());
  if (w != 0) return call();  // ready, or an error the call reports itself
  int fl = status_flags(fd);
  if (fl >= 0 && (fl & O_NONBLOCK)) {
    count(h, Why::user_nonblock);
    return call();
  }
  // Not open for this direction (a pipe's other end): poll never says ready,
  // and libc fails the call at once with EBADF (found by tests/fuzz).
  int mode = fl & O_ACCMODE;
  if (fl >= 0 && (((events & green::READ) && mode == O_WRONLY) || ((events & green::WRITE) && mode == O_RDONLY)))
    return call();
  for (;;) {
    w = wait_fd_ready(h, fd, events, Deadline::never(), OnSignal::restart);
    if (w < 0) return -1;
    // Woken by readiness, but other greenlets of this thread ran since: one
    // write wakes every reader of a pipe, one read every writer, and the
    // first takes what woke them. Asked again with no switch before the call,
    // so the call cannot block the thread (tests/interpose/cases/green_shared_pipe.c,
    // found by tests/fuzz).
    if (green::wait_fd(fd, events, Duration::zero()) != 0) return call();
  }
}

}  // namespace green::interpose

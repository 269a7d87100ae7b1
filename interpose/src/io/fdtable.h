// io/fdtable.h — what the interposer knows about each fd number.
//
// green never changes an fd's flags where anyone could see it (connect,
// accept and sendfile flip O_NONBLOCK around a single attempt, only on a
// description no other process holds, under a lock every flag read in this
// process takes): sockets are driven with MSG_DONTWAIT, other pollable fds are
// waited on before the call.
// So the kernel's O_NONBLOCK flag and SO_RCVTIMEO/SO_SNDTIMEO are always the
// user's own, shared correctly between dup()s, fork()s and SCM_RIGHTS copies,
// and fcntl(F_GETFL) reports exactly what the user set. The hooks read them
// from the kernel only when a call would block (never on the fast path),
// through this table only, which remembers O_NONBLOCK and "no
// SO_RCVTIMEO/SO_SNDTIMEO" until anything in this process could change them.
//
// What the table caches is the fd's kind (one fstat on first sight: fds opened
// before the preload initialised or by code it cannot see are picked up
// lazily) and a generation number bumped by every close/dup2 over the number,
// so a greenlet that waited on fd N and wakes after N was closed and reused
// reports EBADF instead of touching the new file.
//
// Size: RLIMIT_NOFILE's hard limit (capped at 2^20), mapped lazily: untouched
// pages cost nothing. Entries are atomics: every OS thread shares the table.
#pragma once

#include <fcntl.h>

#include <cerrno>
#include <cstdint>

#include "gate/real.h"
#include "green/detail/deadline.h"

namespace green::interpose {

using green::detail::Deadline;

enum class Kind : std::uint8_t {
  unknown = 0,    // not probed yet (or closed since)
  stream_socket,  // SOCK_STREAM: blocking sends and MSG_WAITALL loop to completion
  other_socket,   // datagram, seqpacket, raw: one message per call
  pollable,       // pipe, FIFO, tty, character device, eventfd/timerfd/signalfd/epoll...
  not_pollable,   // regular file, directory, block device: libc as is
  invalid,        // not an open fd (never stored): libc reports EBADF
};

// kind: the fd's kind, probing (fstat + SO_TYPE) on first sight.
Kind fd_kind(int fd) noexcept;
inline bool is_socket(Kind k) noexcept { return k == Kind::stream_socket || k == Kind::other_socket; }

// fd_generation: the number of times `fd` was closed or replaced so far; 0
// for a number beyond the table (and for one no hook ever saw change).
std::uint32_t fd_generation(int fd) noexcept;

// fd_forget: `fd` was closed or replaced (close, dup2 target): bump the
// generation and probe again on next use.
void fd_forget(int fd) noexcept;

// fd_limit: one past the highest fd number the table covers.
int fd_limit() noexcept;
// fd_seen: the table holds something about `fd` (reading it costs no memory:
// untouched pages of the table stay unbacked).
bool fd_seen(int fd) noexcept;

// fd_opened: a hook created `fd` and knows its kind.
void fd_opened(int fd, Kind k) noexcept;

// fd_copied: `to` now refers to what `from` does (dup family).
void fd_copied(int from, int to) noexcept;

// --- The user's settings, as a call that would block needs them. ---------
// Read from the kernel the first time, then remembered per fd until the
// process does anything that could change them: F_SETFL or FIONBIO on any fd
// (dup()s share the flags), a SO_RCVTIMEO/SO_SNDTIMEO setsockopt, or a close
// or reuse of the number. Not seen: another process changing a description shared with this
// one (fork, SCM_RIGHTS) — docs/interposition.md.

// status_flags: fcntl(F_GETFL) of `fd` — the user's O_NONBLOCK and the access
// mode, from the kernel — or -1 when it is not open. Preserves errno.
int status_flags(int fd) noexcept;

// user_nonblocking: the user set O_NONBLOCK on `fd` (the kernel's flag: green
// never leaves it changed). Preserves errno.
bool user_nonblocking(int fd) noexcept;

// socket_deadline: the deadline SO_RCVTIMEO or SO_SNDTIMEO (`opt`) sets for
// one call on `fd`, read from the kernel (the user's own value).
Deadline socket_deadline(int fd, int opt) noexcept;

// reads_wait: green's own hint, not the kernel's: `fd`'s last blocking read
// found nothing there, and the user's blocking mode and "no SO_RCVTIMEO" are
// remembered (blocking_call.h: a read may then park before its first try).
// note_read keeps the hint.
bool reads_wait(int fd) noexcept;
void note_read(int fd, bool found_nothing) noexcept;

// read_shut_down: `fd` polls POLLRDHUP: its reading side is shut down (by
// shutdown(), or a stream peer's close). Asked of the kernel every time.
// Preserves errno.
bool read_shut_down(int fd) noexcept;

// io_changed: something may have changed some fd's flags or timeouts.
void io_changed() noexcept;

// --- Whose open file description. ---------------------------------------
// A description this process made (socket, socketpair, accept) is private
// until the process starts another (fork, vfork, posix_spawn, system, popen:
// the child inherits it) or sends it over SCM_RIGHTS. Only on a private one
// may green switch O_NONBLOCK on for one call: no other process can see it.
// Not seen: a child started by a raw clone() — docs/interposition.md.

// fd_made_here: `fd`'s description was just made by this process (after
// fd_opened / fd_forget, which forget it).
void fd_made_here(int fd) noexcept;
// fd_private: no other process can hold `fd`'s description.
bool fd_private(int fd) noexcept;
// fd_sent: `fd` was passed to another process (SCM_RIGHTS).
void fd_sent(int fd) noexcept;
// process_started: this process starts another: every description made so
// far may be shared from now on.
void process_started() noexcept;

// fd_fork_lock / fd_fork_unlock: FlagsLock's lock around a fork
// (threads/fork_guard.cpp): no child starts with a one-call O_NONBLOCK on.
void fd_fork_lock() noexcept;
void fd_fork_unlock() noexcept;

// FlagsLock: held while green's one-call O_NONBLOCK is on (with_nonblock) and
// around every read or change of status flags through a hook (fcntl
// F_GETFL/F_SETFL, ioctl FIONBIO, status_flags), so no thread of this
// process ever sees green's flag. A few syscalls long; never switches.
class FlagsLock {
 public:
  FlagsLock() noexcept;
  ~FlagsLock();
  FlagsLock(const FlagsLock&) = delete;
  FlagsLock& operator=(const FlagsLock&) = delete;
};

// with_nonblock: run `call` with O_NONBLOCK on `fd` for just that call (for
// the calls that take no MSG_DONTWAIT); true in *user_nb when the user had set
// it already (then the call ran unchanged). Only for a description no other
// process holds (fd_private); callers use once_nonblocking.
template <class Call>
auto with_nonblock(int fd, bool* user_nb, Call call) {
  FlagsLock lock;
  int fl = REAL(fcntl)(fd, F_GETFL);
  *user_nb = fl >= 0 && (fl & O_NONBLOCK);
  if (fl < 0 || *user_nb) return call();
  REAL(fcntl)(fd, F_SETFL, fl | O_NONBLOCK);
  auto r = call();
  int e = errno;
  REAL(fcntl)(fd, F_SETFL, fl);
  errno = e;
  return r;
}

}  // namespace green::interpose

// io/fdtable.h — what the interposer knows about each fd number.
//
// green never changes an fd's flags for longer than one libc call (connect,
// accept and sendfile flip O_NONBLOCK around a single attempt): sockets are
// driven with MSG_DONTWAIT, other pollable fds are waited on before the call.
// So the kernel's O_NONBLOCK flag and SO_RCVTIMEO/SO_SNDTIMEO are always the
// user's own, shared correctly between dup()s, fork()s and SCM_RIGHTS copies,
// and fcntl(F_GETFL) reports exactly what the user set. The hooks read them
// from the kernel only when a call would block (never on the fast path), and
// remember O_NONBLOCK and "no SO_RCVTIMEO/SO_SNDTIMEO" (io_fact below) until
// anything in this process could change them.
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

#include <cstdint>
#include <initializer_list>

namespace green::interpose {

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

// What a call that would block needs to know about the user's settings. Read
// from the kernel the first time, then remembered per fd until the process
// does anything that could change them: F_SETFL or FIONBIO on any fd (dup()s
// share the flags), a SO_RCVTIMEO/SO_SNDTIMEO setsockopt, green's own
// O_NONBLOCK flip for one call (io_changed), or a close or reuse of the number.
// Not seen: another process changing a description shared with this one
// (fork, SCM_RIGHTS) — docs/interposition.md.
enum class IoFact : std::uint32_t {
  nonblocking = 1,     // O_NONBLOCK is set
  no_rcvtimeo = 2,     // SO_RCVTIMEO is zero
  no_sndtimeo = 4,     // SO_SNDTIMEO is zero
  read_waits = 8,      // not the kernel's: its last blocking read found nothing there (blocking_call.h)
};
// IoStamp: read it before reading the kernel; pass it to io_remember, which
// drops the fact if anything changed meanwhile (the epoch, or the file
// behind the number: another thread may close and reuse it).
struct IoStamp {
  std::uint32_t epoch;
  std::uint32_t gen;
};
IoStamp io_stamp(int fd) noexcept;
// io_fact: 1 or 0 when remembered, -1 when the kernel must be asked.
int io_fact(int fd, IoFact f) noexcept;
// io_facts: whether every fact in `yes` is remembered true and every one in
// `no` remembered false (one load for several facts).
bool io_facts(int fd, std::initializer_list<IoFact> yes, std::initializer_list<IoFact> no) noexcept;
void io_remember(int fd, IoFact f, bool value, IoStamp stamp) noexcept;
// io_changed: something may have changed some fd's flags or timeouts.
void io_changed() noexcept;

}  // namespace green::interpose

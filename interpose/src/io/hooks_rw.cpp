// io/hooks_rw.cpp — read/write and the socket send/recv family (see blocking_call.h for the
// two strategies). Regular files and other unpollable fds go straight to libc.
#include <fcntl.h>
#include <limits.h>

#include <unistd.h>

#include <algorithm>
#include <cstring>
#include <memory>
#include <new>
#include <vector>

#include "gate/real.h"
#include "io/blocking_call.h"

namespace gi = green::interpose;
using gi::Hook;
using gi::Kind;

namespace {

constexpr int kRead = green::READ;
constexpr int kWrite = green::WRITE;

// kind_of: the fd's kind when hook `h` should act on it, else Kind::invalid
// (then the caller goes to libc, which also reports bad fds).
Kind kind_of(Hook h, int fd) noexcept {
  if (!gi::active(h)) return Kind::invalid;
  Kind k = gi::fd_kind(fd);
  if (k == Kind::not_pollable) gi::count(h, gi::Why::not_pollable);
  if (k == Kind::invalid || k == Kind::not_pollable) return Kind::invalid;
  gi::count(h, gi::Why::green);
  return k;
}

// Remaining: the iovecs left after `done` bytes (for loops over readv/writev).
std::vector<iovec> remaining(const iovec* iov, int n, size_t done) {
  std::vector<iovec> out;
  for (int i = 0; i < n; ++i) {
    if (done >= iov[i].iov_len) {
      done -= iov[i].iov_len;
      continue;
    }
    out.push_back({static_cast<char*>(iov[i].iov_base) + done, iov[i].iov_len - done});
    done = 0;
  }
  return out;
}

size_t total_len(const iovec* iov, int n) {
  size_t t = 0;
  for (int i = 0; i < n; ++i) t += iov[i].iov_len;
  return t;
}

// sendmsg_from / recvmsg_into: sendmsg/recvmsg over the iovecs left after
// `done` bytes (the loops of a blocking stream send and of MSG_WAITALL).
ssize_t sendmsg_from(int fd, const msghdr* msg, size_t done, int flags) {
  if (!done) return REAL(sendmsg)(fd, msg, flags);
  msghdr m = *msg;
  std::vector<iovec> rest = remaining(msg->msg_iov, static_cast<int>(msg->msg_iovlen), done);
  m.msg_iov = rest.data();
  m.msg_iovlen = rest.size();
  return REAL(sendmsg)(fd, &m, flags);
}

ssize_t recvmsg_into(int fd, msghdr* msg, size_t done, int flags) {
  if (!done) return REAL(recvmsg)(fd, msg, flags);
  msghdr m = *msg;
  std::vector<iovec> rest = remaining(msg->msg_iov, static_cast<int>(msg->msg_iovlen), done);
  m.msg_iov = rest.data();
  m.msg_iovlen = rest.size();
  ssize_t r = REAL(recvmsg)(fd, &m, flags);
  msg->msg_flags = m.msg_flags;
  msg->msg_namelen = m.msg_namelen;
  msg->msg_controllen = m.msg_controllen;
  return r;
}

// recv_stream: recv with MSG_WAITALL honoured on stream sockets (see blocking_call.h).
template <class Attempt>
ssize_t recv_stream(Hook h, int fd, Kind k, size_t n, int flags, Attempt attempt) {
  int f = (flags & ~MSG_WAITALL) | MSG_DONTWAIT;
  const gi::First first = gi::plain_read(flags);
  if ((flags & MSG_WAITALL) && !(flags & MSG_PEEK) && k == Kind::stream_socket && n > 0)
    return gi::socket_all(
        h, fd, kRead, SO_RCVTIMEO, n, [&](size_t done) { return attempt(done, f); }, first);
  return gi::socket_io(
      h, fd, kRead, SO_RCVTIMEO, [&] { return attempt(0, f); }, first);
}

// send_stream: a blocking send moves everything on a stream socket.
template <class Attempt>
ssize_t send_stream(Hook h, int fd, Kind k, size_t n, int flags, Attempt attempt) {
  int f = flags | MSG_DONTWAIT;
  if (k == Kind::stream_socket && n > 0)
    return gi::socket_all(h, fd, kWrite, SO_SNDTIMEO, n, [&](size_t done) { return attempt(done, f); });
  return gi::socket_io(h, fd, kWrite, SO_SNDTIMEO, [&] { return attempt(0, f); });
}

// pipe_write: writes to pipes/ttys in PIPE_BUF pieces, each of which fits once
// poll says writable, so the thread never blocks; returns what a blocking
// write returns (everything, or the progress made before an error).
ssize_t pipe_write(Hook h, int fd, const char* buf, size_t n) {
  if (n == 0) return REAL(write)(fd, buf, n);  // see do_read
  if (n <= PIPE_BUF || gi::user_nonblocking(fd))
    return gi::poll_then_call(h, fd, kWrite, [&] { return REAL(write)(fd, buf, n); });
  size_t done = 0;
  while (done < n) {
    size_t chunk = std::min<size_t>(n - done, PIPE_BUF);
    ssize_t r = gi::poll_then_call(h, fd, kWrite, [&] { return REAL(write)(fd, buf + done, chunk); });
    if (r < 0) return done > 0 ? static_cast<ssize_t>(done) : -1;
    done += static_cast<size_t>(r);
  }
  return static_cast<ssize_t>(done);
}

// Zero-length reads, and zero-length writes to anything but a socket, never
// wait natively: a pipe answers 0 at once, full or empty, and read() on a
// socket returns 0 without looking at the queue — where recv() would wait for
// data and take a whole datagram. readv/writev of zero bytes in all are
// answered 0 by the kernel before it looks at the file at all (a socket's
// shut-down peer included). So they go to libc (found by tests/fuzz).
ssize_t do_read(Hook h, int fd, void* buf, size_t n) {
  Kind k = kind_of(h, fd);
  if (k == Kind::invalid || n == 0) return REAL(read)(fd, buf, n);
  return gi::barrier(
      h, [&] { return REAL(read)(fd, buf, n); },
      [&]() -> ssize_t {
        if (gi::is_socket(k))
          return gi::socket_io(
              h, fd, kRead, SO_RCVTIMEO, [&] { return REAL(recv)(fd, buf, n, MSG_DONTWAIT); },
              gi::First::park_if_reads_wait);
        return gi::poll_then_call(h, fd, kRead, [&] { return REAL(read)(fd, buf, n); });
      });
}

// sendfile_by_copy: one attempt of sendfile to a socket another process may
// hold, where O_NONBLOCK cannot be switched on (that process would see it):
// up to 64 KiB of `in` read with pread and sent with MSG_DONTWAIT, then the
// offset (or `in`'s file position) moved by what was sent — sendfile's
// outcome without its zero copy. -1 with ESPIPE when `in` cannot be read at
// an offset (a pipe or socket).
template <class Off>
ssize_t sendfile_by_copy(int out, int in, Off* off, size_t count) {
  off_t pos = off ? static_cast<off_t>(*off) : ::lseek(in, 0, SEEK_CUR);
  if (pos < 0) return -1;
  size_t n = std::min<size_t>(count, 64 * 1024);
  std::unique_ptr<char[]> buf(new (std::nothrow) char[n]);
  if (!buf) return errno = ENOMEM, -1;
  ssize_t got = ::pread(in, buf.get(), n, pos);
  if (got <= 0) return got;
  ssize_t sent = REAL(send)(out, buf.get(), static_cast<size_t>(got), MSG_DONTWAIT);
  if (sent <= 0) return sent;
  if (off) {
    *off = static_cast<Off>(pos + sent);
  } else {
    int e = errno;
    ::lseek(in, pos + sent, SEEK_SET);
    errno = e;
  }
  return sent;
}

template <class Off>
ssize_t do_sendfile(Hook h, ssize_t (*real)(int, int, Off*, size_t), int out, int in, Off* off, size_t count) {
  Kind k = kind_of(h, out);
  if (k == Kind::invalid) return real(out, in, off, count);
  return gi::barrier(
      h, [&] { return real(out, in, off, count); },
      [&]() -> ssize_t {
        if (!gi::is_socket(k)) return gi::poll_then_call(h, out, kWrite, [&] { return real(out, in, off, count); });
        // sendfile takes no flags.
        auto attempt = [&](size_t done) -> ssize_t {
          if (k == Kind::stream_socket && count > 0 && !gi::fd_private(out) && !gi::user_nonblocking(out)) {
            ssize_t r = sendfile_by_copy(out, in, off, count - done);
            if (r >= 0 || errno != ESPIPE) return r;
          }
          bool user_nb = false;
          return gi::once_nonblocking(out, kWrite, &user_nb, [&] { return real(out, in, off, count - done); });
        };
        if (k == Kind::stream_socket && count > 0) return gi::socket_all(h, out, kWrite, SO_SNDTIMEO, count, attempt);
        return gi::socket_io(h, out, kWrite, SO_SNDTIMEO, [&] { return attempt(0); });
      });
}

// note_passed_fds: the fds `msg` passes (SCM_RIGHTS) reach another process:
// their descriptions are no longer this process's own (fdtable.h). Marked
// before the send, which may still fail: at worst a later accept or connect
// on them waits for readiness instead of switching O_NONBLOCK for one call.
void note_passed_fds(const msghdr* msg) noexcept {
  if (!msg || !msg->msg_control || msg->msg_controllen < sizeof(cmsghdr)) return;
  for (cmsghdr* c = CMSG_FIRSTHDR(msg); c; c = CMSG_NXTHDR(const_cast<msghdr*>(msg), c)) {
    if (c->cmsg_level != SOL_SOCKET || c->cmsg_type != SCM_RIGHTS || c->cmsg_len < CMSG_LEN(0)) continue;
    size_t n = (c->cmsg_len - CMSG_LEN(0)) / sizeof(int);
    for (size_t i = 0; i < n; ++i) {
      int fd;
      std::memcpy(&fd, CMSG_DATA(c) + i * sizeof(int), sizeof fd);
      gi::fd_sent(fd);
    }
  }
}

// iov_msg: readv/writev's vector as the msghdr of a recvmsg/sendmsg.
msghdr iov_msg(const struct iovec* iov, int n) {
  msghdr m{};
  m.msg_iov = const_cast<iovec*>(iov);
  m.msg_iovlen = static_cast<size_t>(n);
  return m;
}

// msg_io: recvmsg and sendmsg. A socket's call, unless MSG_DONTWAIT, goes
// through `stream(kind, bytes in the message)` (recv_stream / send_stream).
template <class Msg, class Real, class Stream>
ssize_t msg_io(Hook h, int fd, Msg* msg, int flags, Real real, Stream stream) {
  Kind k = kind_of(h, fd);
  if (!gi::is_socket(k) || (flags & MSG_DONTWAIT) || !msg) return real(fd, msg, flags);
  return gi::barrier(
      h, [&] { return real(fd, msg, flags); },
      [&] { return stream(k, total_len(msg->msg_iov, static_cast<int>(msg->msg_iovlen))); });
}

// vector_io: readv and writev. What is not a socket waits for readiness and
// makes the real call unchanged; a socket's call is `on_socket(kind, msghdr)`.
template <class Dir, class Real, class OnSocket>
ssize_t vector_io(Hook h, int fd, const struct iovec* iov, int n, Dir dir, Real real, OnSocket on_socket) {
  Kind k = kind_of(h, fd);
  if (k == Kind::invalid || n < 0 || total_len(iov, n) == 0) return real(fd, iov, n);  // see do_read
  return gi::barrier(
      h, [&] { return real(fd, iov, n); },
      [&]() -> ssize_t {
        if (!gi::is_socket(k)) return gi::poll_then_call(h, fd, dir, [&] { return real(fd, iov, n); });
        msghdr m = iov_msg(iov, n);
        return on_socket(k, m);
      });
}

}  // namespace

extern "C" {

ssize_t read(int fd, void* buf, size_t n) { return do_read(Hook::read, fd, buf, n); }

ssize_t __read_chk(int fd, void* buf, size_t n, size_t buflen) {
  if (n > buflen) return REAL(__read_chk)(fd, buf, n, buflen);  // fortify's own abort
  return do_read(Hook::__read_chk, fd, buf, n);
}

ssize_t write(int fd, const void* buf, size_t n) {
  Kind k = kind_of(Hook::write, fd);
  if (k == Kind::invalid) return REAL(write)(fd, buf, n);
  auto* p = static_cast<const char*>(buf);
  return gi::barrier(
      Hook::write, [&] { return REAL(write)(fd, buf, n); },
      [&]() -> ssize_t {
        if (!gi::is_socket(k)) return pipe_write(Hook::write, fd, p, n);
        return send_stream(Hook::write, fd, k, n, 0,
                           [&](size_t done, int f) { return REAL(send)(fd, p + done, n - done, f); });
      });
}

ssize_t readv(int fd, const struct iovec* iov, int n) {
  return vector_io(Hook::readv, fd, iov, n, kRead, REAL(readv), [&](Kind, msghdr& m) {
    return gi::socket_io(
        Hook::readv, fd, kRead, SO_RCVTIMEO, [&] { return REAL(recvmsg)(fd, &m, MSG_DONTWAIT); },
        gi::First::park_if_reads_wait);
  });
}

ssize_t writev(int fd, const struct iovec* iov, int n) {
  return vector_io(Hook::writev, fd, iov, n, kWrite, REAL(writev), [&](Kind k, msghdr& m) {
    return send_stream(Hook::writev, fd, k, total_len(iov, n), 0,
                       [&](size_t done, int f) { return sendmsg_from(fd, &m, done, f); });
  });
}

ssize_t recv(int fd, void* buf, size_t n, int flags) {
  Kind k = kind_of(Hook::recv, fd);
  if (!gi::is_socket(k) || (flags & MSG_DONTWAIT)) return REAL(recv)(fd, buf, n, flags);
  auto* p = static_cast<char*>(buf);
  return gi::barrier(
      Hook::recv, [&] { return REAL(recv)(fd, buf, n, flags); },
      [&] {
        return recv_stream(Hook::recv, fd, k, n, flags,
                           [&](size_t done, int f) { return REAL(recv)(fd, p + done, n - done, f); });
      });
}

ssize_t __recv_chk(int fd, void* buf, size_t n, size_t buflen, int flags) {
  if (n > buflen) return REAL(__recv_chk)(fd, buf, n, buflen, flags);
  return recv(fd, buf, n, flags);
}

ssize_t recvfrom(int fd, void* buf, size_t n, int flags, struct sockaddr* addr, socklen_t* alen) {
  Kind k = kind_of(Hook::recvfrom, fd);
  if (!gi::is_socket(k) || (flags & MSG_DONTWAIT)) return REAL(recvfrom)(fd, buf, n, flags, addr, alen);
  auto* p = static_cast<char*>(buf);
  return gi::barrier(
      Hook::recvfrom, [&] { return REAL(recvfrom)(fd, buf, n, flags, addr, alen); },
      [&] {
        return recv_stream(Hook::recvfrom, fd, k, n, flags,
                           [&](size_t done, int f) { return REAL(recvfrom)(fd, p + done, n - done, f, addr, alen); });
      });
}

ssize_t __recvfrom_chk(int fd, void* buf, size_t n, size_t buflen, int flags, struct sockaddr* addr, socklen_t* alen) {
  if (n > buflen) return REAL(__recvfrom_chk)(fd, buf, n, buflen, flags, addr, alen);
  return recvfrom(fd, buf, n, flags, addr, alen);
}

ssize_t recvmsg(int fd, struct msghdr* msg, int flags) {
  return msg_io(Hook::recvmsg, fd, msg, flags, REAL(recvmsg), [&](Kind k, size_t len) {
    return recv_stream(Hook::recvmsg, fd, k, len, flags,
                       [&](size_t done, int f) { return recvmsg_into(fd, msg, done, f); });
  });
}

int recvmmsg(int fd, struct mmsghdr* vec, unsigned int vlen, int flags, struct timespec* timeout) {
  Kind k = kind_of(Hook::recvmmsg, fd);
  if (!gi::is_socket(k) || (flags & MSG_DONTWAIT)) return REAL(recvmmsg)(fd, vec, vlen, flags, timeout);
  return static_cast<int>(gi::barrier(
      Hook::recvmmsg, [&] { return static_cast<ssize_t>(REAL(recvmmsg)(fd, vec, vlen, flags, timeout)); },
      [&] {
        return gi::socket_io(
            Hook::recvmmsg, fd, kRead, SO_RCVTIMEO,
            [&] { return static_cast<ssize_t>(REAL(recvmmsg)(fd, vec, vlen, flags | MSG_DONTWAIT, timeout)); },
            gi::plain_read(flags));
      }));
}

ssize_t send(int fd, const void* buf, size_t n, int flags) {
  Kind k = kind_of(Hook::send, fd);
  if (!gi::is_socket(k) || (flags & MSG_DONTWAIT)) return REAL(send)(fd, buf, n, flags);
  auto* p = static_cast<const char*>(buf);
  return gi::barrier(
      Hook::send, [&] { return REAL(send)(fd, buf, n, flags); },
      [&] {
        return send_stream(Hook::send, fd, k, n, flags,
                           [&](size_t done, int f) { return REAL(send)(fd, p + done, n - done, f); });
      });
}

ssize_t sendto(int fd, const void* buf, size_t n, int flags, const struct sockaddr* addr, socklen_t alen) {
  Kind k = kind_of(Hook::sendto, fd);
  if (!gi::is_socket(k) || (flags & MSG_DONTWAIT)) return REAL(sendto)(fd, buf, n, flags, addr, alen);
  auto* p = static_cast<const char*>(buf);
  return gi::barrier(
      Hook::sendto, [&] { return REAL(sendto)(fd, buf, n, flags, addr, alen); },
      [&] {
        return send_stream(Hook::sendto, fd, k, n, flags,
                           [&](size_t done, int f) { return REAL(sendto)(fd, p + done, n - done, f, addr, alen); });
      });
}

ssize_t sendmsg(int fd, const struct msghdr* msg, int flags) {
  note_passed_fds(msg);
  return msg_io(Hook::sendmsg, fd, msg, flags, REAL(sendmsg), [&](Kind k, size_t len) {
    return send_stream(Hook::sendmsg, fd, k, len, flags,
                       [&](size_t done, int f) { return sendmsg_from(fd, msg, done, f); });
  });
}

int sendmmsg(int fd, struct mmsghdr* vec, unsigned int vlen, int flags) {
  for (unsigned i = 0; vec && i < vlen; ++i) note_passed_fds(&vec[i].msg_hdr);
  Kind k = kind_of(Hook::sendmmsg, fd);
  if (!gi::is_socket(k) || (flags & MSG_DONTWAIT)) return REAL(sendmmsg)(fd, vec, vlen, flags);
  return static_cast<int>(gi::barrier(
      Hook::sendmmsg, [&] { return static_cast<ssize_t>(REAL(sendmmsg)(fd, vec, vlen, flags)); },
      [&]() -> ssize_t {
        // A blocking sendmmsg sends every message: count messages, not bytes.
        unsigned sent = 0;
        while (sent < vlen) {
          ssize_t r = gi::socket_io(Hook::sendmmsg, fd, kWrite, SO_SNDTIMEO, [&] {
            return static_cast<ssize_t>(REAL(sendmmsg)(fd, vec + sent, vlen - sent, flags | MSG_DONTWAIT));
          });
          if (r < 0) return sent > 0 ? sent : -1;
          sent += static_cast<unsigned>(r);
        }
        return sent;
      }));
}

ssize_t sendfile(int out, int in, off_t* off, size_t count) {
  return do_sendfile(Hook::sendfile, REAL(sendfile), out, in, off, count);
}

ssize_t sendfile64(int out, int in, off64_t* off, size_t count) {
  return do_sendfile(Hook::sendfile64, REAL(sendfile64), out, in, off, count);
}

}  // extern "C"

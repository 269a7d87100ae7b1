// io/hooks_socket.cpp — socket creation, accept and connect.
//
// accept and connect take no MSG_DONTWAIT: each attempt is once_nonblocking
// (blocking_call.h): O_NONBLOCK for that one call on a socket no other process
// holds, readiness first on one another process may hold. connect then waits
// writable (within SO_SNDTIMEO; on timeout errno is EINPROGRESS, as Linux
// reports) and reads the result with SO_ERROR. Sockets this process makes are
// marked as its own (fdtable.h: fd_made_here).
#include <fcntl.h>

#include "gate/real.h"
#include "io/blocking_call.h"

namespace gi = green::interpose;
using gi::Hook;
using gi::Kind;

namespace {

Kind socket_kind(int type) noexcept { return (type & 0xf) == SOCK_STREAM ? Kind::stream_socket : Kind::other_socket; }

bool active_socket(Hook h, int fd) noexcept {
  if (!gi::active(h)) return false;
  if (!gi::is_socket(gi::fd_kind(fd))) return false;
  gi::count(h, gi::Why::green);
  return true;
}

int do_accept(Hook h, int fd, sockaddr* addr, socklen_t* len, int flags) {
  if (!active_socket(h, fd)) return REAL(accept4)(fd, addr, len, flags);
  int r = static_cast<int>(gi::barrier(
      h, [&] { return static_cast<ssize_t>(REAL(accept4)(fd, addr, len, flags)); },
      [&]() -> ssize_t {
        gi::Deadline d;
        bool have = false;
        bool user_nb = false;
        return gi::socket_io(h, fd, green::READ, SO_RCVTIMEO, &d, &have, [&] {
          return static_cast<ssize_t>(
              gi::once_nonblocking(fd, green::READ, &user_nb, [&] { return REAL(accept4)(fd, addr, len, flags); }));
        });
      }));
  if (r >= 0) {
    gi::fd_forget(r);  // a new socket: probe its kind on first use
    gi::fd_made_here(r);
  }
  return r;
}

}  // namespace

extern "C" {

int socket(int domain, int type, int protocol) {
  int fd = REAL(socket)(domain, type, protocol);
  if (fd >= 0) {
    gi::fd_opened(fd, socket_kind(type));
    gi::fd_made_here(fd);
  }
  return fd;
}

int socketpair(int domain, int type, int protocol, int sv[2]) {
  int r = REAL(socketpair)(domain, type, protocol, sv);
  if (r == 0) {
    for (int i = 0; i < 2; ++i) {
      gi::fd_opened(sv[i], socket_kind(type));
      gi::fd_made_here(sv[i]);
    }
  }
  return r;
}

int accept(int fd, struct sockaddr* addr, socklen_t* len) { return do_accept(Hook::accept, fd, addr, len, 0); }

int accept4(int fd, struct sockaddr* addr, socklen_t* len, int flags) {
  return do_accept(Hook::accept4, fd, addr, len, flags);
}

int connect(int fd, const struct sockaddr* addr, socklen_t len) {
  if (!active_socket(Hook::connect, fd)) return REAL(connect)(fd, addr, len);
  return static_cast<int>(gi::barrier(
      Hook::connect, [&] { return static_cast<ssize_t>(REAL(connect)(fd, addr, len)); },
      [&]() -> ssize_t {
        bool user_nb = false;
        int r = gi::once_nonblocking(fd, green::WRITE, &user_nb, [&] { return REAL(connect)(fd, addr, len); });
        if (r == 0 || user_nb) return r;
        // EAGAIN: a Unix socket whose listener's backlog is full; a blocking
        // connect waits for room, so wait and try again.
        gi::Deadline d = gi::socket_deadline(fd, SO_SNDTIMEO);
        gi::OnSignal s = d.forever() ? gi::OnSignal::restart : gi::OnSignal::interrupt;
        while (r < 0 && gi::would_block(errno)) {
          int w = gi::wait_fd_ready(Hook::connect, fd, green::WRITE, d, s);
          if (w <= 0) return w == 0 ? (errno = EAGAIN, -1) : -1;
          r = gi::once_nonblocking(fd, green::WRITE, &user_nb, [&] { return REAL(connect)(fd, addr, len); });
        }
        if (r == 0 || errno != EINPROGRESS) return r;
        // A loopback connection is usually complete already: check before parking.
        int w = green::wait_fd(fd, green::WRITE, green::Duration::zero()) > 0
                    ? 1
                    : gi::wait_fd_ready(Hook::connect, fd, green::WRITE, d, s);
        if (w == 0) {
          errno = EINPROGRESS;  // what Linux says when SO_SNDTIMEO ends a blocking connect
          return -1;
        }
        if (w < 0) return -1;
        int err = 0;
        socklen_t elen = sizeof err;
        if (REAL(getsockopt)(fd, SOL_SOCKET, SO_ERROR, &err, &elen) < 0) return -1;
        if (err != 0) {
          errno = err;
          return -1;
        }
        // Linux leaves a socket whose non-blocking connect completed in
        // "connecting" until connect is called again; a blocking connect
        // leaves it "connected" (a further connect gives EISCONN). Match it.
        gi::once_nonblocking(fd, green::WRITE, &user_nb, [&] { return REAL(connect)(fd, addr, len); });
        return 0;
      }));
}

int shutdown(int fd, int how) {
  // Peers and local waiters see the shutdown through readiness (EOF / HUP).
  if (gi::active(Hook::shutdown)) gi::count(Hook::shutdown, gi::Why::green);
  return REAL(shutdown)(fd, how);
}

}  // extern "C"

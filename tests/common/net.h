// net.h — sockets for the socket, server and select tests (127.0.0.1 and
// Unix paths only).
#pragma once

#include <sys/resource.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include <cerrno>
#include <cstdint>
#include <cstring>
#include <string>
#include <system_error>
#include <utility>

#include "green/io.h"
#include "green/socket.h"
#include "toolkit_fixture.h"

namespace toolkit_test {

// Listener: a raw listening socket (TCP on 127.0.0.1:0 or a Unix path) whose
// accept() parks through green::wait_read. Closed (and unlinked) on destruction.
class Listener {
 public:
  explicit Listener(int backlog = 16) : Listener(green::Address::tcp("127.0.0.1", 0), backlog) {}
  Listener(const green::Address& a, int backlog) {
    int fd = ::socket(a.family(), SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
    sock_ = green::Socket(fd);
    if (::bind(fd, a.sockaddr_ptr(), a.length()) != 0 || ::listen(fd, backlog) != 0) {
      ADD_FAILURE() << "cannot listen on " << a.to_string() << ": " << std::strerror(errno);
    }
    address_ = a.is_unix() ? a : sock_.local_address();
  }
  ~Listener() {
    sock_.close();
    if (address_.is_unix()) ::unlink(address_.host().c_str());
  }
  const green::Address& address() const { return address_; }
  int fd() const { return sock_.fd(); }
  green::Socket accept() {
    for (;;) {
      int fd = ::accept4(sock_.fd(), nullptr, nullptr, SOCK_NONBLOCK | SOCK_CLOEXEC);
      if (fd >= 0) return green::Socket(fd);
      if (errno != EAGAIN) throw std::system_error(errno, std::generic_category(), "test accept");
      green::wait_read(sock_.fd(), 5s);
    }
  }

 private:
  green::Socket sock_;
  green::Address address_;
};

// socket_pair: two connected Unix stream sockets.
inline std::pair<green::Socket, green::Socket> socket_pair() {
  int sv[2];
  if (::socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, sv) != 0) ADD_FAILURE() << "socketpair failed";
  return {green::Socket(sv[0]), green::Socket(sv[1])};
}

// unix_path: a fresh socket path for this process and `tag`.
inline std::string unix_path(const std::string& tag) {
  return "/tmp/green-test-" + std::to_string(::getpid()) + "-" + tag + ".sock";
}

// fill_send_buffer: send until the kernel buffers are full (the peer never
// reads); returns how many bytes went.
inline std::size_t fill_send_buffer(green::Socket& s) {
  int sz = 4096;
  ::setsockopt(s.fd(), SOL_SOCKET, SO_SNDBUF, &sz, sizeof sz);
  static char junk[65536];
  std::size_t total = 0;
  for (;;) {
    ssize_t n = ::send(s.fd(), junk, sizeof junk, MSG_DONTWAIT | MSG_NOSIGNAL);
    if (n <= 0) return total;
    total += static_cast<std::size_t>(n);
  }
}

// eventually: sleep in 1 ms steps until `cond` holds, for up to 5 s; returns it.
template <class C>
bool eventually(C cond) {
  for (int i = 0; i < 5000 && !cond(); ++i) green::sleep(1ms);
  return cond();
}

// raise_nofile: raise the soft RLIMIT_NOFILE to the hard limit; returns it.
inline rlim_t raise_nofile() {
  rlimit rl{};
  ::getrlimit(RLIMIT_NOFILE, &rl);
  rl.rlim_cur = rl.rlim_max;
  ::setrlimit(RLIMIT_NOFILE, &rl);
  return rl.rlim_cur;
}

}  // namespace toolkit_test

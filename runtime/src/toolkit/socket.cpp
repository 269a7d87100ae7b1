// toolkit/socket.cpp — green::Address and green::Socket (green/socket.h).
//
// Every operation is "try the call; on EAGAIN park on the fd until the
// deadline; try again". The fd is always non-blocking, so the calls
// themselves never block the thread. Under the preload the libc calls here
// are hooked, but the hooks hand non-blocking fds straight to libc.
#include "green/socket.h"

#include <arpa/inet.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <sys/un.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <chrono>
#include <cstring>
#include <system_error>
#include <utility>

#include "core/hub_core.h"
#include "green/io.h"
#include "green/sleep.h"
#include "runtime_internal.h"

namespace green {

namespace {
[[noreturn]] void fail(int err, const std::string& what) {
  throw std::system_error(err, std::generic_category(), what);
}

std::string on_fd(const char* call, int fd) {
  return std::string("green::Socket::") + call + " on fd " + std::to_string(fd);
}

bool would_block(int err) { return err == EAGAIN || err == EWOULDBLOCK; }
}  // namespace

// ---- Address ---------------------------------------------------------------

Address Address::tcp(const std::string& host, std::uint16_t port) {
  Address a;
  auto* v4 = reinterpret_cast<sockaddr_in*>(&a.storage_);
  auto* v6 = reinterpret_cast<sockaddr_in6*>(&a.storage_);
  if (::inet_pton(AF_INET, host.c_str(), &v4->sin_addr) == 1) {
    v4->sin_family = AF_INET;
    v4->sin_port = htons(port);
    a.length_ = sizeof(sockaddr_in);
  } else if (::inet_pton(AF_INET6, host.c_str(), &v6->sin6_addr) == 1) {
    v6->sin6_family = AF_INET6;
    v6->sin6_port = htons(port);
    a.length_ = sizeof(sockaddr_in6);
  } else {
    throw std::invalid_argument("green::Address::tcp: \"" + host +
                                "\" is not a numeric IPv4 or IPv6 address; resolve host names first "
                                "(getaddrinfo inside green::run_in_thread)");
  }
  return a;
}

Address Address::unix_path(const std::string& path) {
  Address a;
  auto* un = reinterpret_cast<sockaddr_un*>(&a.storage_);
  if (path.empty() || path.size() >= sizeof(un->sun_path)) {
    throw std::invalid_argument("green::Address::unix_path: \"" + path + "\" must be 1 to " +
                                std::to_string(sizeof(un->sun_path) - 1) + " bytes long");
  }
  un->sun_family = AF_UNIX;
  std::memcpy(un->sun_path, path.data(), path.size());
  a.length_ = static_cast<socklen_t>(offsetof(sockaddr_un, sun_path) + path.size() + 1);
  return a;
}

Address Address::from_sockaddr(const sockaddr* sa, socklen_t len) {
  Address a;
  a.length_ = std::min<socklen_t>(len, sizeof(a.storage_));
  std::memcpy(&a.storage_, sa, a.length_);
  return a;
}

std::uint16_t Address::port() const noexcept {
  if (family() == AF_INET) return ntohs(reinterpret_cast<const sockaddr_in*>(&storage_)->sin_port);
  if (family() == AF_INET6) return ntohs(reinterpret_cast<const sockaddr_in6*>(&storage_)->sin6_port);
  return 0;
}

std::string Address::host() const {
  char buf[INET6_ADDRSTRLEN] = {};
  if (family() == AF_INET) {
    ::inet_ntop(AF_INET, &reinterpret_cast<const sockaddr_in*>(&storage_)->sin_addr, buf, sizeof buf);
    return buf;
  }
  if (family() == AF_INET6) {
    ::inet_ntop(AF_INET6, &reinterpret_cast<const sockaddr_in6*>(&storage_)->sin6_addr, buf, sizeof buf);
    return buf;
  }
  if (family() == AF_UNIX) {
    // An unnamed peer (a connecting Unix client) has no path at all.
    const auto* un = reinterpret_cast<const sockaddr_un*>(&storage_);
    std::size_t max = length_ > offsetof(sockaddr_un, sun_path) ? length_ - offsetof(sockaddr_un, sun_path) : 0;
    return std::string(un->sun_path, strnlen(un->sun_path, max));
  }
  return {};
}

std::string Address::to_string() const {
  if (family() == AF_INET) return host() + ":" + std::to_string(port());
  if (family() == AF_INET6) return "[" + host() + "]:" + std::to_string(port());
  if (family() == AF_UNIX) return "unix:" + host();
  return "(no address)";
}

// ---- Socket ----------------------------------------------------------------

namespace {
// adopted: `fd` is a Socket's from now on; whatever the hub remembers about an
// earlier file with this number (closed without notify_close) is stale.
void adopted(int fd) noexcept {
  if (detail::Hub* h = detail::Hub::peek()) h->fd_slots().forget(fd);
}
}  // namespace

Socket::Socket(int fd) : fd_(fd) {
  int flags = ::fcntl(fd, F_GETFL);
  if (flags < 0 || ::fcntl(fd, F_SETFL, flags | O_NONBLOCK) < 0) {
    int err = errno;
    fd_ = -1;  // not ours to close: the caller still owns a bad fd
    fail(err, "green::Socket: cannot make fd " + std::to_string(fd) + " non-blocking");
  }
  adopted(fd);
}

Socket& Socket::operator=(Socket&& o) noexcept {
  if (this != &o) {
    close();
    fd_ = std::exchange(o.fd_, -1);
    read_waits_ = o.read_waits_;
  }
  return *this;
}

void Socket::close() noexcept {
  if (fd_ < 0) return;
  int fd = std::exchange(fd_, -1);
  notify_close(fd);  // waiters must let go of the number before it can be reused
  ::close(fd);
}

void Socket::wait(int events, detail::Deadline deadline, const char* what) const {
  Duration left = deadline.left();
  int fd = fd_;
  if (fd < 0) fail(EBADF, std::string("green::Socket::") + what + ": the socket is closed");
  if (left <= Duration::zero()) fail(ETIMEDOUT, on_fd(what, fd) + ": timed out");
  // Called after EAGAIN or EINPROGRESS: the fd is open and pollable. The
  // Socket owns the number until close() (which notifies), so the hub may keep
  // its registration between waits (a constant tag: adopted() forgot older ones). A
  // connect in progress is checked first: on loopback it is usually done.
  int r = events == WRITE && wait_fd(fd, WRITE, Duration::zero()) > 0 ? WRITE
                                                                      : detail::wait_fd_known(fd, events, deadline, 1);
  if (r < 0) fail(errno, on_fd(what, fd) + (errno == EBADF ? ": the socket was closed while waiting" : ""));
  if (r == 0) fail(ETIMEDOUT, on_fd(what, fd) + ": timed out");
}

Socket Socket::connect(const Address& to, Duration timeout) {
  const auto deadline = detail::Deadline::after(timeout);
  const std::string what = "green::Socket::connect to " + to.to_string();
  // Unix listeners refuse with EAGAIN while their backlog is full, and such a
  // socket cannot be polled for "the backlog has room": retry after a pause.
  auto pause = std::chrono::milliseconds(1);
  for (;;) {
    int fd = ::socket(to.family(), SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
    if (fd < 0) fail(errno, what + ": socket() failed");
    Socket s;
    s.fd_ = fd;
    adopted(fd);
    if (::connect(fd, to.sockaddr_ptr(), to.length()) == 0) return s;
    int err = errno;
    if (err == EINPROGRESS || err == EINTR) {
      s.wait(WRITE, deadline, "connect");
      socklen_t len = sizeof err;
      if (::getsockopt(fd, SOL_SOCKET, SO_ERROR, &err, &len) < 0) err = errno;
      if (err == 0) return s;
      fail(err, what);
    }
    if (!(to.is_unix() && would_block(err))) fail(err, what);
    s.close();
    Duration left = deadline.left();
    if (left <= Duration::zero()) fail(ETIMEDOUT, what + ": timed out (the listener's backlog stayed full)");
    green::sleep(std::min<Duration>(pause, left));
    pause = std::min(pause * 2, std::chrono::milliseconds(50));
  }
}

std::size_t Socket::send(const void* data, std::size_t size, Duration timeout) {
  const auto deadline = detail::Deadline::after(timeout);
  for (;;) {
    if (fd_ < 0) fail(EBADF, "green::Socket::send: the socket is closed");
    ssize_t n = ::send(fd_, data, size, MSG_NOSIGNAL);
    if (n >= 0) return static_cast<std::size_t>(n);
    if (errno == EINTR) continue;
    if (!would_block(errno)) fail(errno, on_fd("send", fd_));
    wait(WRITE, deadline, "send");
  }
}

void Socket::send_all(const void* data, std::size_t size, Duration timeout) {
  const auto deadline = detail::Deadline::after(timeout);
  const auto* p = static_cast<const char*>(data);
  while (size > 0) {
    std::size_t n = send(p, size, deadline.left());
    p += n;
    size -= n;
  }
}

std::size_t Socket::recv(void* buf, std::size_t size, Duration timeout) {
  const auto deadline = detail::Deadline::after(timeout);
  // When the last recv found nothing at first, this one most likely will too
  // (the reply to what was just sent): with nothing else ready, park before
  // the first try, which would only have said EAGAIN — the loop's poll says at
  // once if data is there after all. Untimed calls only: a zero timeout must
  // still take what is there.
  bool waited = read_waits_ && size > 0 && timeout == forever && detail::parking_reaches_loop();
  if (waited && fd_ >= 0) wait(READ, deadline, "recv");
  for (;;) {
    if (fd_ < 0) fail(EBADF, "green::Socket::recv: the socket is closed");
    ssize_t n = ::recv(fd_, buf, size, 0);
    if (n >= 0) {
      read_waits_ = waited;
      return static_cast<std::size_t>(n);
    }
    if (errno == EINTR) continue;
    if (!would_block(errno)) fail(errno, on_fd("recv", fd_));
    waited = true;
    wait(READ, deadline, "recv");
  }
}

void Socket::recv_exact(void* buf, std::size_t size, Duration timeout) {
  const auto deadline = detail::Deadline::after(timeout);
  auto* p = static_cast<char*>(buf);
  std::size_t got = 0;
  while (got < size) {
    std::size_t n = recv(p + got, size - got, deadline.left());
    if (n == 0) {
      throw EndOfStream(on_fd("recv_exact", fd_) + ": the peer ended the stream after " + std::to_string(got) + " of " +
                            std::to_string(size) + " bytes",
                        got);
    }
    got += n;
  }
}

std::string Socket::recv_exact(std::size_t size, Duration timeout) {
  std::string out(size, '\0');
  recv_exact(out.data(), size, timeout);
  return out;
}

void Socket::shutdown_write() {
  if (::shutdown(fd_, SHUT_WR) < 0) fail(errno, on_fd("shutdown_write", fd_));
}

Address Socket::local_address() const {
  sockaddr_storage ss{};
  socklen_t len = sizeof ss;
  if (::getsockname(fd_, reinterpret_cast<sockaddr*>(&ss), &len) < 0) fail(errno, on_fd("local_address", fd_));
  return Address::from_sockaddr(reinterpret_cast<sockaddr*>(&ss), len);
}

Address Socket::peer_address() const {
  sockaddr_storage ss{};
  socklen_t len = sizeof ss;
  if (::getpeername(fd_, reinterpret_cast<sockaddr*>(&ss), &len) < 0) fail(errno, on_fd("peer_address", fd_));
  return Address::from_sockaddr(reinterpret_cast<sockaddr*>(&ss), len);
}

}  // namespace green

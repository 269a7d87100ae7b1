// green/socket.h — a stream socket for greenlets, without the interposer.
//
//   auto s = green::Socket::connect(green::Address::tcp("127.0.0.1", 8080), 2s);
//   s.send_all("GET / HTTP/1.0\r\n\r\n");
//   char buf[4096];
//   while (std::size_t n = s.recv(buf, sizeof buf, 5s)) consume(buf, n);
//
// Socket owns one non-blocking socket fd (RAII: the destructor closes it).
// Every call that would block parks the calling greenlet on the fd instead
// (green::wait_fd), so other greenlets run meanwhile. Shared rules:
//
//   - Timeouts: each call takes a green::Duration (default forever) bounding
//     the whole call, not each wait inside it. When it passes, the call throws
//     std::system_error with std::errc::timed_out. Zero means "only try".
//   - Errors: std::system_error carrying the errno, its what() naming the call,
//     the fd or address and the reason ("green::Socket::recv on fd 7: ...").
//   - Kill and green::Timeout aimed at the caller interrupt any wait and
//     propagate; no waiter is left behind. Data already sent or received by
//     an interrupted send_all/recv_exact is not reported.
//   - close() (from any greenlet of the thread) wakes greenlets parked on the
//     socket; their call throws std::system_error(EBADF).
//   - A Socket belongs to the hub thread that uses it. Calls must come from a
//     greenlet (or the main greenlet), not the hub: waiting there throws
//     BlockingInHubError.
//   - SIGPIPE is never raised: writing to a closed peer throws EPIPE.
#pragma once

#include <sys/socket.h>

#include <cstddef>
#include <cstdint>
#include <stdexcept>
#include <string>
#include <string_view>
#include <vector>

#include "green/detail/deadline.h"
#include "green/duration.h"

namespace green {

// Address: a socket address — TCP (numeric IPv4/IPv6) or a Unix socket path.
// Plain data; copy freely.
class Address {
 public:
  Address() = default;
  // tcp: `host` must be a numeric address ("127.0.0.1", "::1"); names are not
  // resolved here (for a name, Address::resolve or green::resolve, green/resolve.h).
  // Throws std::invalid_argument naming the host otherwise.
  static Address tcp(const std::string& host, std::uint16_t port);
  // unix_path: a Unix stream socket path. Throws std::invalid_argument when
  // empty or longer than sun_path allows.
  static Address unix_path(const std::string& path);
  // resolve: every TCP address `host` names (green::resolve, on the thread
  // pool; parks only the caller). Throws ResolveError.
  static std::vector<Address> resolve(const std::string& host, std::uint16_t port, int family = AF_UNSPEC);
  // from_sockaddr: copy of what accept/getsockname returned.
  static Address from_sockaddr(const sockaddr* sa, socklen_t len);

  int family() const noexcept { return storage_.ss_family; }
  bool is_unix() const noexcept { return family() == AF_UNIX; }
  // port: the TCP port (0 for Unix sockets).
  std::uint16_t port() const noexcept;
  // host: the numeric host ("127.0.0.1"), or the path for a Unix socket.
  std::string host() const;
  // to_string: "127.0.0.1:8080", "[::1]:8080" or "unix:/run/x.sock".
  std::string to_string() const;

  const sockaddr* sockaddr_ptr() const noexcept { return reinterpret_cast<const sockaddr*>(&storage_); }
  socklen_t length() const noexcept { return length_; }

 private:
  sockaddr_storage storage_{};
  socklen_t length_ = 0;
};

// EndOfStream: recv_exact met the peer's end of stream before it had all the
// bytes asked for. received() says how many did arrive (they are in the buffer).
class EndOfStream : public std::runtime_error {
 public:
  EndOfStream(const std::string& what, std::size_t received) : std::runtime_error(what), received_(received) {}
  std::size_t received() const noexcept { return received_; }

 private:
  std::size_t received_;
};

// Socket: a connected stream socket (or, inside StreamServer, a listener).
// Move-only; a moved-from or closed Socket has fd() == -1.
class Socket {
 public:
  Socket() noexcept = default;
  // Socket(fd): take ownership of an open socket fd and make it
  // non-blocking. Throws std::system_error when fcntl fails (EBADF: not open).
  explicit Socket(int fd);
  ~Socket() { close(); }
  Socket(Socket&& o) noexcept : fd_(o.fd_), read_waits_(o.read_waits_) { o.fd_ = -1; }
  Socket& operator=(Socket&& o) noexcept;
  Socket(const Socket&) = delete;
  Socket& operator=(const Socket&) = delete;

  // connect: open a socket of the address's family and connect it, parking
  // while the connection is in progress (TCP) or the listener's backlog is
  // full (Unix: retried with a short back-off). Throws std::system_error with
  // the errno (ECONNREFUSED, ENOENT for a missing Unix path, ...) or
  // errc::timed_out; nothing stays open after a failure.
  static Socket connect(const Address& to, Duration timeout = forever);
  // connect: resolve `host` (green::resolve: a name, "localhost" or a numeric
  // address) and connect to its addresses in turn until one accepts, all
  // within `timeout`. Throws ResolveError when the name does not resolve, else
  // the last address's std::system_error (its message names it).
  static Socket connect(const std::string& host, std::uint16_t port, Duration timeout = forever);

  // send: send some of `data`, parking until the socket is writable; returns
  // how many bytes went (at least 1 when size > 0). See the shared rules.
  std::size_t send(const void* data, std::size_t size, Duration timeout = forever);
  // send_all: send every byte, parking as often as needed; `timeout` bounds
  // the whole transfer. On a timeout or error some prefix may have been sent.
  void send_all(const void* data, std::size_t size, Duration timeout = forever);
  void send_all(std::string_view data, Duration timeout = forever) { send_all(data.data(), data.size(), timeout); }

  // recv: receive up to `size` bytes, parking until some arrive; returns how
  // many, 0 at end of stream (or when size is 0). See the shared rules.
  std::size_t recv(void* buf, std::size_t size, Duration timeout = forever);
  // recv_exact: receive exactly `size` bytes into buf; `timeout` bounds the
  // whole call. Throws EndOfStream when the peer ends the stream first.
  void recv_exact(void* buf, std::size_t size, Duration timeout = forever);
  std::string recv_exact(std::size_t size, Duration timeout = forever);

  // shutdown_write: send end-of-stream to the peer (shutdown SHUT_WR); the
  // socket can still receive. Never blocks. Throws std::system_error.
  void shutdown_write();
  // close: wake greenlets parked on this socket (they get EBADF), then close
  // the fd. Never blocks or throws; no-op when not open.
  void close() noexcept;
  // release: give up ownership; returns the fd (-1 if none).
  int release() noexcept {
    int fd = fd_;
    fd_ = -1;
    return fd;
  }

  int fd() const noexcept { return fd_; }
  bool is_open() const noexcept { return fd_ >= 0; }
  explicit operator bool() const noexcept { return is_open(); }
  // local_address / peer_address: getsockname / getpeername. Throw std::system_error.
  Address local_address() const;
  Address peer_address() const;

  // wait: park until the socket is ready for `events` (green::READ/WRITE) or
  // the deadline passes. Throws errc::timed_out naming `what`, or EBADF when
  // the socket was closed meanwhile. For code building its own calls on fd().
  void wait(int events, detail::Deadline deadline, const char* what) const;

 private:
  int fd_ = -1;
  bool read_waits_ = false;  // the last recv found nothing at first (socket.cpp)
};

}  // namespace green

// toolkit/datagram_server.cpp — green::DatagramServer (green/datagram_server.h).
//
// The receive greenlet is the only reader of the socket; stop() closes it
// (Socket::close wakes the receiver with EBADF) and then kills the receiver.
// Handlers hold the handler function through a shared_ptr, never the server.
#include "green/datagram_server.h"

#include <sys/socket.h>

#include <cerrno>
#include <stdexcept>
#include <string>
#include <system_error>
#include <vector>

#include "green/io.h"

namespace green {

DatagramServer::DatagramServer(Address address, Handler handler, Pool* pool)
    : address_(std::move(address)),
      handler_(std::make_shared<const Handler>(std::move(handler))),
      pool_(pool),
      own_group_(pool ? nullptr : std::make_unique<Group>()),
      group_(pool ? static_cast<Group*>(pool) : own_group_.get()) {
  if (!*handler_) throw std::invalid_argument("green::DatagramServer: the handler is empty");
  if (address_.family() != AF_INET && address_.family() != AF_INET6)
    throw std::invalid_argument("green::DatagramServer: " + address_.to_string() +
                                " is not an IP address and port (build one with Address::tcp)");
}

DatagramServer::~DatagramServer() {
  try {
    stop(Duration::zero());
  } catch (...) {
    // Destroyed from the hub or while being killed: the socket is closed already.
  }
}

void DatagramServer::start() {
  if (started()) throw std::logic_error("green::DatagramServer::start: already started on " + address_.to_string());
  const std::string where = "green::DatagramServer on " + address_.to_string();
  int fd = ::socket(address_.family(), SOCK_DGRAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
  if (fd < 0) throw std::system_error(errno, std::generic_category(), where + ": socket() failed");
  Socket s(fd);
  if (::bind(fd, address_.sockaddr_ptr(), address_.length()) < 0)
    throw std::system_error(errno, std::generic_category(), where + ": bind failed");
  address_ = s.local_address();  // the real port when 0 was asked for
  socket_ = std::move(s);
  SpawnOptions opts;
  opts.name = "DatagramServer " + address_.to_string();
  receiver_ = spawn_with(std::move(opts), [this] { receive_loop(); });
}

void DatagramServer::receive_loop() {
  std::vector<char> buf(max_datagram);
  for (;;) {
    // A full pool: leave datagrams in the receive buffer until a slot frees.
    if (pool_ && pool_->full()) pool_->wait_available();
    const int fd = socket_.fd();
    if (fd < 0) return;
    sockaddr_storage ss{};
    socklen_t len = sizeof ss;
    ssize_t n = ::recvfrom(fd, buf.data(), buf.size(), 0, reinterpret_cast<sockaddr*>(&ss), &len);
    if (n < 0) {
      int err = errno;
      if (err == EAGAIN || err == EWOULDBLOCK) {
        if (wait_fd(fd, READ, forever) < 0) return;  // closed by stop()
        continue;
      }
      if (err == EBADF) return;  // closed by stop()
      // ECONNREFUSED and the like: an ICMP error for an earlier sendto; the
      // socket itself is fine.
      continue;
    }
    ++received_;
    Address from = Address::from_sockaddr(reinterpret_cast<sockaddr*>(&ss), len);
    auto g = group_->spawn([h = handler_, data = std::string(buf.data(), static_cast<std::size_t>(n)), from]() mutable {
      (*h)(std::move(data), from);
    });
    g.set_name("DatagramServer handler for " + from.to_string());
  }
}

std::size_t DatagramServer::sendto(std::string_view data, const Address& to, Duration timeout) {
  const detail::Deadline deadline = detail::Deadline::after(timeout);
  for (;;) {
    const int fd = socket_.fd();
    if (fd < 0)
      throw std::system_error(EBADF, std::generic_category(),
                              "green::DatagramServer::sendto to " + to.to_string() + ": the server is not started");
    ssize_t n = ::sendto(fd, data.data(), data.size(), MSG_NOSIGNAL, to.sockaddr_ptr(), to.length());
    if (n >= 0) return static_cast<std::size_t>(n);
    if (errno != EAGAIN && errno != EWOULDBLOCK && errno != EINTR)
      throw std::system_error(errno, std::generic_category(), "green::DatagramServer::sendto to " + to.to_string());
    if (errno != EINTR) socket_.wait(WRITE, deadline, "green::DatagramServer::sendto");
  }
}

void DatagramServer::serve_forever() {
  if (!started()) start();
  try {
    receiver_.join();
  } catch (...) {
    try {
      stop(Duration::zero());
    } catch (...) {
      // A second interruption while stopping: the first one is what we report.
    }
    throw;
  }
  if (!receiver_.successful()) std::rethrow_exception(receiver_.exception());
}

bool DatagramServer::stop(Duration timeout) {
  if (!started()) return true;
  socket_.close();
  receiver_.kill();
  if (group_->join(timeout)) return true;
  group_->kill();
  return false;
}

}  // namespace green

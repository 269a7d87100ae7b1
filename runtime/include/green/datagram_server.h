// green/datagram_server.h — receive UDP datagrams and handle each in a
// greenlet (gevent.server.DatagramServer), beside StreamServer (server.h).
//
//   green::DatagramServer server(green::Address::tcp("127.0.0.1", 0),   // an IP and port
//       [&server](std::string data, const green::Address& from) { server.sendto(data, from); });
//   server.start();                                  // bound now: server.address().port()
//   ...
//   server.stop(5s);
//
// One receive greenlet reads datagrams and spawns handler(data, from) for
// each in the server's group: the given Pool, or an unbounded Group of the
// server's own. While the Pool is full the server stops reading (datagrams
// wait in the socket's receive buffer; the kernel drops what does not fit, as
// UDP does). A handler's exception stays in its greenlet (printed by the
// hub); the server keeps serving.
//
// A DatagramServer belongs to the hub thread that started it; its methods
// must be called from greenlets of that thread.
#pragma once

#include <cstddef>
#include <functional>
#include <memory>
#include <string>
#include <string_view>

#include "green/duration.h"
#include "green/greenlet.h"
#include "green/pool.h"
#include "green/socket.h"

namespace green {

class DatagramServer {
 public:
  // Handler: one datagram's bytes and its sender's address.
  using Handler = std::function<void(std::string data, const Address& from)>;

  // max_datagram: the largest datagram received whole; longer ones are cut
  // to this size (recvfrom's truncation).
  static constexpr std::size_t max_datagram = 65535;

  // DatagramServer: nothing is opened until start(). `address` is an IPv4 or
  // IPv6 address and port (Address::tcp builds one; Unix paths are refused
  // with std::invalid_argument, as is an empty handler). `pool`, when given,
  // bounds how many handlers run at once and must outlive the server.
  DatagramServer(Address address, Handler handler, Pool* pool = nullptr);
  // ~DatagramServer: stop(0) if still serving. May switch.
  ~DatagramServer();
  DatagramServer(const DatagramServer&) = delete;
  DatagramServer& operator=(const DatagramServer&) = delete;

  // start: bind a UDP socket and spawn the receive greenlet; returns at once
  // (never switches). Throws std::system_error naming the address when socket
  // or bind fail, std::logic_error when already started.
  void start();
  // serve_forever: start() if needed, then park until stop() is called from
  // another greenlet. Kill and Timeout interrupt it; the server is then
  // stopped (handlers killed) before the exception propagates.
  void serve_forever();
  // stop: close the socket (no more datagrams), then wait up to `timeout`
  // for running handlers to finish and kill the rest, waiting for them to
  // die. Returns whether every handler finished by itself. May switch; no-op
  // when not started. Kill and Timeout aimed at the caller interrupt the wait.
  bool stop(Duration timeout = forever);

  // sendto: send one datagram to `to` from the server's socket, parking while
  // the socket's send buffer is full (up to `timeout`). Returns the bytes
  // sent (all of them: a datagram is never split). Throws std::system_error
  // with the errno (EMSGSIZE: too long for UDP; EBADF: not started or
  // stopped) or errc::timed_out. Kill and Timeout interrupt the wait.
  std::size_t sendto(std::string_view data, const Address& to, Duration timeout = forever);

  // address: the bound address after start() (the real port when 0 was
  // asked for), else the one given. received: datagrams read so far.
  const Address& address() const noexcept { return address_; }
  bool started() const noexcept { return static_cast<bool>(receiver_); }
  std::size_t received() const noexcept { return received_; }
  // group: where handlers run (the Pool given, or the server's own Group).
  Group& group() noexcept { return *group_; }

 private:
  void receive_loop();

  Address address_;
  std::shared_ptr<const Handler> handler_;  // shared with the handler greenlets
  Pool* pool_;
  std::unique_ptr<Group> own_group_;
  Group* group_;
  Socket socket_;
  AnyGreenlet receiver_;
  std::size_t received_ = 0;
};

}  // namespace green

// green/server.h — accept stream connections and serve each in a greenlet
// (gevent.server.StreamServer).
//
//   green::Pool pool(1000);                          // optional bound
//   green::StreamServer server(green::Address::tcp("127.0.0.1", 0),
//       [](green::Socket s, const green::Address& peer) {
//         char buf[4096];
//         while (std::size_t n = s.recv(buf, sizeof buf)) s.send_all(buf, n);
//       }, &pool);
//   server.start();                                  // listening now
//   std::printf("port %u\n", server.address().port());
//   ...
//   server.stop(5s);                                 // graceful, then kill
//
// One accept greenlet takes connections and spawns handler(socket, peer) for
// each in the server's group: the given Pool, or an unbounded Group of the
// server's own. While the Pool is full the server stops accepting (new
// connections wait in the kernel's backlog) until a handler ends.
//
// A handler's exception stays in its greenlet (printed by the hub, as for any
// greenlet); the server keeps serving. Accept errors that come from running
// out of resources (EMFILE, ENFILE, ENOBUFS, ENOMEM) are reported once on
// stderr and retried after a growing pause, never in a busy loop.
//
// A StreamServer belongs to the hub thread that started it; its methods must
// be called from greenlets of that thread.
#pragma once

#include <functional>
#include <memory>

#include "green/duration.h"
#include "green/greenlet.h"
#include "green/pool.h"
#include "green/socket.h"

namespace green {

class StreamServer {
 public:
  // Handler: serves one connection. The Socket is the handler's own; it is
  // closed when the handler drops it.
  using Handler = std::function<void(Socket, const Address& peer)>;

  // StreamServer: nothing is opened until start(). `pool`, when given, bounds
  // how many handlers run at once and must outlive the server; stop() kills
  // what is left in it. `backlog` is listen()'s.
  StreamServer(Address address, Handler handler, Pool* pool = nullptr, int backlog = 128);
  // ~StreamServer: stop(0) if still serving — closes the listener and kills
  // the handlers, waiting for them to die. May switch.
  ~StreamServer();
  StreamServer(const StreamServer&) = delete;
  StreamServer& operator=(const StreamServer&) = delete;

  // start: bind, listen and spawn the accept greenlet; returns at once (never
  // switches). Throws std::system_error naming the address when socket, bind
  // or listen fail (EADDRINUSE: another listener, or a stale Unix socket file
  // to remove), std::logic_error when already started.
  void start();
  // serve_forever: start() if needed, then park until stop() is called from
  // another greenlet. Kill and Timeout interrupt it; the server is then
  // stopped (handlers killed) before the exception propagates.
  void serve_forever();
  // stop: close the listener (no new connections; for a Unix socket its
  // file is removed), then wait up to `timeout` for the running handlers to
  // finish and kill the rest, waiting for them to die. Returns whether every
  // handler finished by itself. May switch; no-op when not started. Kill and
  // Timeout aimed at the caller interrupt the waiting (the listener is closed
  // already). Call it from outside the handlers: a handler calling it would
  // wait for itself until `timeout` and then be killed with the rest.
  bool stop(Duration timeout = forever);

  // address: the bound address after start() — with the real port when 0
  // was asked for — else the one given. Never switches.
  const Address& address() const noexcept { return address_; }
  // started / closed: start() ran / the listener is closed (stop ran).
  bool started() const noexcept { return static_cast<bool>(acceptor_); }
  bool closed() const noexcept { return started() && !listener_; }
  // accepted: connections accepted so far.
  std::size_t accepted() const noexcept { return accepted_; }
  // group: where handlers run (the Pool given, or the server's own Group).
  Group& group() noexcept { return *group_; }

 private:
  void accept_loop();
  void close_listener() noexcept;

  Address address_;
  std::shared_ptr<const Handler> handler_;  // shared with the handler greenlets
  Pool* pool_;
  std::unique_ptr<Group> own_group_;
  Group* group_;
  int backlog_;
  Socket listener_;
  AnyGreenlet acceptor_;
  std::size_t accepted_ = 0;
  bool reported_ = false;  // a resource error was logged already
};

}  // namespace green

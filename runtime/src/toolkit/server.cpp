// toolkit/server.cpp — green::StreamServer (green/server.h).
//
// The accept greenlet is the only one touching the listening fd besides
// stop(): stop() closes it (notify_close wakes the acceptor with EBADF) and
// then kills the acceptor, so whichever of "closed" and "killed" it sees
// first, it leaves. Handlers hold the handler function through a shared_ptr,
// never the server, so they may outlive it safely.
#include "green/server.h"

#include <sys/socket.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <chrono>
#include <cstdio>
#include <cstring>
#include <stdexcept>
#include <system_error>

#include "green/io.h"
#include "green/sleep.h"

namespace green {

namespace {
// Running out of fds or memory: accepting again at once would fail again at
// once, so the acceptor pauses instead of spinning.
bool out_of_resources(int err) { return err == EMFILE || err == ENFILE || err == ENOBUFS || err == ENOMEM; }

// Errors about one connection that died in the backlog: skip it.
bool transient(int err) {
  return err == EINTR || err == ECONNABORTED || err == EPROTO || err == EPERM || err == ENETDOWN ||
         err == ENOPROTOOPT || err == EHOSTDOWN || err == ENONET || err == EHOSTUNREACH || err == EOPNOTSUPP ||
         err == ENETUNREACH;
}
}  // namespace

StreamServer::StreamServer(Address address, Handler handler, Pool* pool, int backlog)
    : address_(std::move(address)),
      handler_(std::make_shared<const Handler>(std::move(handler))),
      pool_(pool),
      own_group_(pool ? nullptr : std::make_unique<Group>()),
      group_(pool ? static_cast<Group*>(pool) : own_group_.get()),
      backlog_(backlog) {
  if (!*handler_) throw std::invalid_argument("green::StreamServer: the handler is empty");
}

StreamServer::~StreamServer() {
  try {
    stop(Duration::zero());
  } catch (...) {
    // Destroyed from the hub or while being killed: the listener is closed
    // already; handlers still running keep only their own state.
  }
}

void StreamServer::start() {
  if (started()) throw std::logic_error("green::StreamServer::start: already started on " + address_.to_string());
  const std::string where = "green::StreamServer on " + address_.to_string();
  int fd = ::socket(address_.family(), SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
  if (fd < 0) throw std::system_error(errno, std::generic_category(), where + ": socket() failed");
  Socket s(fd);
  if (!address_.is_unix()) {
    int one = 1;
    ::setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
  }
  if (::bind(fd, address_.sockaddr_ptr(), address_.length()) < 0) {
    int err = errno;
    std::string hint = err == EADDRINUSE && address_.is_unix() ? " (if no server uses it, remove the stale socket file)"
                                                               : "";
    throw std::system_error(err, std::generic_category(), where + ": bind failed" + hint);
  }
  if (::listen(fd, backlog_) < 0) throw std::system_error(errno, std::generic_category(), where + ": listen failed");
  if (!address_.is_unix()) address_ = s.local_address();  // the real port when 0 was asked for
  listener_ = std::move(s);
  SpawnOptions opts;
  opts.name = "StreamServer " + address_.to_string();
  acceptor_ = spawn_with(std::move(opts), [this] { accept_loop(); });
}

void StreamServer::accept_loop() {
  const auto first_pause = std::chrono::milliseconds(10);
  auto pause = first_pause;
  for (;;) {
    // A full pool: leave new connections in the backlog until a slot frees.
    if (pool_ && pool_->full()) pool_->wait_available();
    const int lfd = listener_.fd();
    if (lfd < 0) return;
    sockaddr_storage ss{};
    socklen_t len = sizeof ss;
    int fd = ::accept4(lfd, reinterpret_cast<sockaddr*>(&ss), &len, SOCK_NONBLOCK | SOCK_CLOEXEC);
    if (fd < 0) {
      int err = errno;
      if (err == EAGAIN || err == EWOULDBLOCK) {
        if (wait_fd(lfd, READ, forever) < 0) return;  // closed by stop()
        continue;
      }
      if (transient(err)) continue;
      if (err == EBADF || err == EINVAL) return;  // closed by stop()
      if (!reported_) {
        reported_ = true;
        std::fprintf(stderr,
                     "green::StreamServer on %s: accept failed: %s; pausing accepts and retrying%s "
                     "(reported once)\n",
                     address_.to_string().c_str(), std::strerror(err),
                     out_of_resources(err) ? " (raise the open-file limit or bound connections with a Pool)" : "");
      }
      green::sleep(pause);
      pause = std::min<std::chrono::milliseconds>(pause * 2, std::chrono::seconds(1));
      continue;
    }
    pause = first_pause;
    ++accepted_;
    Socket conn(fd);
    Address peer = Address::from_sockaddr(reinterpret_cast<sockaddr*>(&ss), len);
    auto g = group_->spawn([h = handler_, conn = std::move(conn), peer]() mutable { (*h)(std::move(conn), peer); });
    g.set_name("StreamServer handler for " + peer.to_string());
  }
}

void StreamServer::close_listener() noexcept {
  if (!listener_) return;
  listener_.close();
  if (address_.is_unix()) ::unlink(address_.host().c_str());
}

void StreamServer::serve_forever() {
  if (!started()) start();
  try {
    acceptor_.join();
  } catch (...) {
    try {
      stop(Duration::zero());
    } catch (...) {
      // A second interruption while stopping: the first one is what we report.
    }
    throw;
  }
  if (!acceptor_.successful()) std::rethrow_exception(acceptor_.exception());
}

bool StreamServer::stop(Duration timeout) {
  if (!started()) return true;
  close_listener();
  acceptor_.kill();
  if (group_->join(timeout)) return true;
  group_->kill();
  return false;
}

}  // namespace green

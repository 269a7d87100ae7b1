// tls/tls_bio.cpp — a BIO over a non-blocking socket fd, without SIGPIPE (tls_bio.h).
#include "tls/tls_bio.h"

#include <sys/socket.h>

#include <cerrno>
#include <cstdint>

namespace green::detail {

namespace {

int fd_of(BIO* b) { return static_cast<int>(reinterpret_cast<std::intptr_t>(BIO_get_data(b))); }

bool would_block(int err) { return err == EAGAIN || err == EWOULDBLOCK || err == EINTR; }

int bio_write(BIO* b, const char* data, int size) {
  BIO_clear_retry_flags(b);
  ssize_t n = ::send(fd_of(b), data, static_cast<std::size_t>(size), MSG_NOSIGNAL);
  if (n < 0 && would_block(errno)) BIO_set_retry_write(b);
  return static_cast<int>(n);
}

int bio_read(BIO* b, char* buf, int size) {
  BIO_clear_retry_flags(b);
  ssize_t n = ::recv(fd_of(b), buf, static_cast<std::size_t>(size), 0);
  if (n < 0 && would_block(errno)) BIO_set_retry_read(b);
  return static_cast<int>(n);
}

long bio_ctrl(BIO*, int cmd, long, void*) {
  // Writes go straight to the socket: there is nothing to flush. Every other
  // control (kTLS, peeking at the fd, ...) is "not supported".
  return cmd == BIO_CTRL_FLUSH ? 1 : 0;
}

int bio_create(BIO* b) {
  BIO_set_init(b, 1);
  return 1;
}

// The method table is made once and lives as long as the process (BIOs of
// any thread point to it; freeing it at exit could pull it from under one).
BIO_METHOD* method() {
  static BIO_METHOD* m = [] {
    BIO_METHOD* bm = BIO_meth_new(BIO_get_new_index() | BIO_TYPE_SOURCE_SINK, "green socket");
    if (bm) {
      BIO_meth_set_write(bm, bio_write);
      BIO_meth_set_read(bm, bio_read);
      BIO_meth_set_ctrl(bm, bio_ctrl);
      BIO_meth_set_create(bm, bio_create);
    }
    return bm;
  }();
  return m;
}

}  // namespace

BIO* socket_bio(int fd) {
  BIO_METHOD* m = method();
  BIO* b = m ? BIO_new(m) : nullptr;
  if (b) BIO_set_data(b, reinterpret_cast<void*>(static_cast<std::intptr_t>(fd)));
  return b;
}

}  // namespace green::detail

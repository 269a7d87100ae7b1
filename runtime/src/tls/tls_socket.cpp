// tls/tls_socket.cpp — green::TlsSocket (green/tls.h).
//
// Every operation is one OpenSSL call driven by io(): call it; on
// WANT_READ / WANT_WRITE park on the fd (Socket::wait) until the deadline,
// then call it again with the same arguments, as OpenSSL requires. The fd is
// non-blocking and reached through tls_bio (send with MSG_NOSIGNAL), so no
// call blocks the thread or raises SIGPIPE.
//
// close() from another greenlet while a call is parked in io(): the parked
// call is between two OpenSSL calls (in Socket::wait), so close() frees the
// session at once; the call wakes with EBADF, and a call that resumes for any
// other reason checks that the socket is open before it touches the session
// again (check_open). close_notify is sent only by a socket no call is using
// (Busy: OpenSSL would first try to finish a parked write's record), on a
// session that finished its handshake and met no fatal error (OpenSSL
// forbids SSL_shutdown after one).
#include <openssl/err.h>
#include <openssl/ssl.h>
#include <openssl/x509.h>
#include <openssl/x509v3.h>

#include <cerrno>
#include <string>
#include <system_error>
#include <utility>

#include "green/io.h"
#include "green/tls.h"
#include "tls/tls_bio.h"
#include "tls/tls_errors.h"
#include "tls/tls_names.h"

namespace green {

namespace {

[[noreturn]] void fail(int err, const std::string& what) {
  throw std::system_error(err, std::generic_category(), what);
}

std::string peer_of(const Socket& s) {
  try {
    return s.peer_address().to_string();
  } catch (const std::system_error&) {
    return "fd " + std::to_string(s.fd());
  }
}

// unexpected_eof: the error at the head of the queue is a peer that closed
// the connection without close_notify.
bool unexpected_eof() {
  unsigned long e = ERR_peek_error();
  return e != 0 && ERR_GET_LIB(e) == ERR_LIB_SSL && ERR_GET_REASON(e) == SSL_R_UNEXPECTED_EOF_WHILE_READING;
}

}  // namespace

struct TlsSocket::Busy {
  TlsSocket& s;
  explicit Busy(TlsSocket& t) : s(t) { ++s.busy_; }
  ~Busy() { --s.busy_; }
  Busy(const Busy&) = delete;
  Busy& operator=(const Busy&) = delete;
};

TlsSocket::TlsSocket() noexcept = default;

TlsSocket::~TlsSocket() { close(); }

TlsSocket::TlsSocket(TlsSocket&& o) noexcept
    : sock_(std::move(o.sock_)),
      ssl_(std::exchange(o.ssl_, nullptr)),
      peer_(std::move(o.peer_)),
      fatal_(o.fatal_),
      send_broken_(o.send_broken_) {}

TlsSocket& TlsSocket::operator=(TlsSocket&& o) noexcept {
  if (this != &o) {
    close();
    sock_ = std::move(o.sock_);
    ssl_ = std::exchange(o.ssl_, nullptr);
    peer_ = std::move(o.peer_);
    fatal_ = o.fatal_;
    send_broken_ = o.send_broken_;
  }
  return *this;
}

TlsSocket::TlsSocket(Socket sock, const TlsContext& ctx, std::string peer)
    : sock_(std::move(sock)), peer_(std::move(peer)) {
  if (!sock_.is_open()) fail(EBADF, "green::TlsSocket: the Socket given is not open");
  ssl_ = SSL_new(ctx.native_handle());
  BIO* bio = ssl_ ? detail::socket_bio(sock_.fd()) : nullptr;
  if (!bio) {
    release_ssl();
    detail::throw_tls(what("handshake") + ": out of memory for the TLS session");
  }
  SSL_set_bio(ssl_, bio, bio);  // the session owns the BIO from now on
}

void TlsSocket::release_ssl() noexcept {
  if (ssl_) SSL_free(std::exchange(ssl_, nullptr));
}

std::string TlsSocket::what(const char* name) const {
  return std::string("green::TlsSocket::") + name + " with " + peer_;
}

void TlsSocket::check_open(const char* name) const {
  if (!sock_.is_open() || !ssl_) fail(EBADF, std::string("green::TlsSocket::") + name + ": the socket is closed");
}

template <class Call>
int TlsSocket::io(const char* name, detail::Deadline deadline, Call call, bool eof_is_end) {
  for (;;) {
    check_open(name);
    ERR_clear_error();
    errno = 0;
    const int r = call();
    if (r > 0) return r;
    const int err = SSL_get_error(ssl_, r);
    int events = 0;
    if (err == SSL_ERROR_WANT_READ) {
      events = READ;
    } else if (err == SSL_ERROR_WANT_WRITE) {
      events = WRITE;
    } else if (err == SSL_ERROR_ZERO_RETURN) {
      return 0;  // the peer's close_notify: a clean end of stream
    } else {
      fatal_ = true;
      const int sys = errno;
      const bool handshake = std::string_view(name) == "handshake";
      if (err == SSL_ERROR_SYSCALL && sys != 0) fail(sys, what(name));
      if (err == SSL_ERROR_SYSCALL || unexpected_eof()) {
        if (eof_is_end) return 0;
        detail::openssl_reasons();
        throw TlsError(what(name) + (handshake ? ": the peer closed the connection during the handshake"
                                               : ": the peer closed the connection without close_notify "
                                                 "(unexpected eof: the data may be cut short)"));
      }
      const long verify = SSL_get_verify_result(ssl_);
      if (handshake && verify != X509_V_OK && (SSL_get_verify_mode(ssl_) & SSL_VERIFY_PEER)) {
        detail::openssl_reasons();
        std::string reason = X509_verify_cert_error_string(verify);
        throw TlsError(what(name) + ": certificate verification failed: " + reason, verify, reason);
      }
      detail::throw_tls(what(name));
    }
    // Socket::wait keeps the hub's watch on the fd between waits (no
    // epoll_ctl per wait); its errors are said again in TLS terms.
    try {
      sock_.wait(events, deadline, name);
    } catch (const std::system_error& e) {
      const int code = e.code().value();
      if (code == ETIMEDOUT) fail(code, what(name) + ": timed out");
      if (code == EBADF) fail(code, what(name) + ": the socket was closed while waiting");
      throw;
    }
  }
}

void TlsSocket::handshake(const TlsContext& ctx, const std::string& server_name, Duration timeout) {
  const auto deadline = detail::Deadline::after(timeout);
  if (ctx.role() == TlsRole::client) {
    if (!server_name.empty() && detail::is_ip_literal(server_name)) {
      if (ctx.verifies_peer() && X509_VERIFY_PARAM_set1_ip_asc(SSL_get0_param(ssl_), server_name.c_str()) != 1)
        detail::throw_tls(what("handshake") + ": cannot check the address " + server_name);
    } else if (!server_name.empty()) {
      // SNI names the virtual host; SSL_set1_host makes verification check it.
      // (SSL_set_tlsext_host_name is this SSL_ctrl behind a C cast.)
      if (SSL_ctrl(ssl_, SSL_CTRL_SET_TLSEXT_HOSTNAME, TLSEXT_NAMETYPE_host_name,
                   const_cast<char*>(server_name.c_str())) != 1 ||
          (ctx.verifies_peer() && SSL_set1_host(ssl_, server_name.c_str()) != 1))
        detail::throw_tls(what("handshake") + ": cannot use the server name \"" + server_name + "\"");
    }
    SSL_set_connect_state(ssl_);
  } else {
    SSL_set_accept_state(ssl_);
  }
  Busy busy(*this);
  io("handshake", deadline, [this] { return SSL_do_handshake(ssl_); });
}

namespace {
void check_client(const TlsContext& ctx, const std::string& server_name, const char* call) {
  if (ctx.role() != TlsRole::client)
    throw std::invalid_argument(std::string("green::TlsSocket::") + call +
                                ": the context is a server's; use TlsContext(TlsRole::client)");
  if (server_name.empty() && ctx.verifies_peer())
    throw std::invalid_argument(std::string("green::TlsSocket::") + call +
                                ": no server name to check the certificate against; give the server's name "
                                "(or turn verification off with verify_peer(false), for tests only)");
}
}  // namespace

TlsSocket TlsSocket::connect(const TlsContext& ctx, const Address& to, const std::string& server_name,
                             Duration timeout) {
  check_client(ctx, server_name, "connect");
  const auto deadline = detail::Deadline::after(timeout);
  TlsSocket t(Socket::connect(to, timeout), ctx, to.to_string());
  t.handshake(ctx, server_name, deadline.left());
  return t;
}

TlsSocket TlsSocket::connect(const TlsContext& ctx, const std::string& host, std::uint16_t port, Duration timeout) {
  check_client(ctx, host, "connect");
  const auto deadline = detail::Deadline::after(timeout);
  TlsSocket t(Socket::connect(host, port, timeout), ctx, host + ":" + std::to_string(port));
  t.handshake(ctx, host, deadline.left());
  return t;
}

TlsSocket TlsSocket::client(Socket sock, const TlsContext& ctx, const std::string& server_name, Duration timeout) {
  check_client(ctx, server_name, "client");
  std::string peer = peer_of(sock);
  TlsSocket t(std::move(sock), ctx, std::move(peer));
  t.handshake(ctx, server_name, timeout);
  return t;
}

TlsSocket TlsSocket::server(Socket sock, const TlsContext& ctx, Duration timeout) {
  if (ctx.role() != TlsRole::server || !ctx.has_certificate())
    throw std::invalid_argument(
        "green::TlsSocket::server: the context must be TlsContext(TlsRole::server) with a certificate "
        "(certificate_pem or certificate_file)");
  std::string peer = peer_of(sock);
  TlsSocket t(std::move(sock), ctx, std::move(peer));
  t.handshake(ctx, {}, timeout);
  return t;
}

std::size_t TlsSocket::send(const void* data, std::size_t size, Duration timeout) {
  check_open("send");
  if (send_broken_)
    throw TlsError(what("send") +
                   ": an earlier send was interrupted inside a TLS record; this connection cannot "
                   "send any more (close it)");
  if (size == 0) return 0;
  Busy busy(*this);
  std::size_t sent = 0;
  try {
    io("send", detail::Deadline::after(timeout), [&] { return SSL_write_ex(ssl_, data, size, &sent); });
  } catch (...) {
    send_broken_ = true;  // OpenSSL may hold part of a record that only this exact call could finish
    throw;
  }
  return sent;
}

void TlsSocket::send_all(const void* data, std::size_t size, Duration timeout) {
  const auto deadline = detail::Deadline::after(timeout);
  const auto* p = static_cast<const char*>(data);
  while (size > 0) {
    std::size_t n = send(p, size, deadline.left());
    p += n;
    size -= n;
  }
}

std::size_t TlsSocket::recv(void* buf, std::size_t size, Duration timeout) {
  check_open("recv");
  if (size == 0) return 0;
  Busy busy(*this);
  std::size_t got = 0;
  if (io("recv", detail::Deadline::after(timeout), [&] { return SSL_read_ex(ssl_, buf, size, &got); }) == 0) return 0;
  return got;
}

void TlsSocket::recv_exact(void* buf, std::size_t size, Duration timeout) {
  const auto deadline = detail::Deadline::after(timeout);
  auto* p = static_cast<char*>(buf);
  std::size_t got = 0;
  while (got < size) {
    std::size_t n = recv(p + got, size - got, deadline.left());
    if (n == 0)
      throw EndOfStream(what("recv_exact") + ": the peer ended the stream after " + std::to_string(got) + " of " +
                            std::to_string(size) + " bytes",
                        got);
    got += n;
  }
}

std::string TlsSocket::recv_exact(std::size_t size, Duration timeout) {
  std::string out(size, '\0');
  recv_exact(out.data(), size, timeout);
  return out;
}

void TlsSocket::shutdown(Duration timeout) {
  check_open("shutdown");
  struct CloseAfter {
    TlsSocket& s;
    ~CloseAfter() { s.close(); }
  } close_after{*this};
  const auto deadline = detail::Deadline::after(timeout);
  Busy busy(*this);
  // SSL_shutdown: 0 once our close_notify went out, 1 when the peer's had
  // come already; io() takes only positive results as done.
  const int r = io("shutdown", deadline, [this] {
    const int s = SSL_shutdown(ssl_);
    return s >= 0 ? s + 1 : s;
  });
  if (r == 2) return;
  // Wait for the peer's close_notify, dropping what it still sends; a peer
  // that closes the connection instead has ended it too.
  char scratch[4096];
  std::size_t got = 0;
  while (io(
             "shutdown", deadline, [&] { return SSL_read_ex(ssl_, scratch, sizeof scratch, &got); }, true) > 0) {
  }
}

void TlsSocket::close() noexcept {
  if (ssl_ && busy_ == 0 && !fatal_ && sock_.is_open() && SSL_is_init_finished(ssl_) &&
      !(SSL_get_shutdown(ssl_) & SSL_SENT_SHUTDOWN)) {
    ERR_clear_error();
    SSL_shutdown(ssl_);  // non-blocking: sent now or never
    ERR_clear_error();
  }
  sock_.close();
  release_ssl();
}

std::string TlsSocket::version() const { return ssl_ ? SSL_get_version(ssl_) : ""; }

std::string TlsSocket::cipher() const {
  const char* c = ssl_ ? SSL_get_cipher_name(ssl_) : nullptr;
  return c ? c : "";
}

std::string TlsSocket::peer_subject() const {
  if (!ssl_) return {};
  X509* cert = SSL_get0_peer_certificate(ssl_);
  if (!cert) return {};
  BIO* out = BIO_new(BIO_s_mem());
  if (!out) return {};
  X509_NAME_print_ex(out, X509_get_subject_name(cert), 0, XN_FLAG_RFC2253);
  char* data = nullptr;
  long n = BIO_get_mem_data(out, &data);
  std::string s(data, n > 0 ? static_cast<std::size_t>(n) : 0);
  BIO_free(out);
  return s;
}

}  // namespace green

// green/tls.h — TLS over green::Socket (OpenSSL), client and server.
//
//   green::TlsContext ctx(green::TlsRole::client);        // system CAs, hostname checked
//   auto s = green::TlsSocket::connect(ctx, "example.org", 443, 5s);
//   s.send_all("GET / HTTP/1.0\r\nHost: example.org\r\n\r\n");
//   char buf[4096];
//   while (std::size_t n = s.recv(buf, sizeof buf, 5s)) consume(buf, n);
//   s.shutdown(5s);                                      // close_notify both ways
//
// A separate library: link green::tls (libgreen_tls.so; libgreen itself does
// not need OpenSSL), and include this header yourself (green/green.h does not).
//
// TlsSocket owns a Socket and an OpenSSL session on its fd. The fd stays
// non-blocking: when OpenSSL wants to read or write (SSL_ERROR_WANT_READ /
// WANT_WRITE, in a handshake, a read or a write alike), the calling greenlet
// parks on the fd, so other greenlets run meanwhile. The rules are Socket's
// (green/socket.h):
//
//   - Timeouts: each call takes a green::Duration (default forever) bounding
//     the whole call; when it passes the call throws std::system_error with
//     std::errc::timed_out, its what() naming the call ("green::TlsSocket::
//     handshake with 127.0.0.1:8443: timed out").
//   - Errors: TLS failures throw green::TlsError, naming the call, the peer
//     and OpenSSL's reason; a failed certificate verification also carries
//     X509_verify_cert_error_string's reason ("self-signed certificate",
//     "hostname mismatch") and its code. Socket errors (ECONNRESET, EPIPE,
//     EBADF) throw std::system_error as for Socket.
//   - Kill and green::Timeout aimed at the caller interrupt any wait and
//     propagate; no waiter is left behind. A send interrupted that way (or by
//     its timeout) may leave part of a TLS record written: the socket can no
//     longer send (later sends throw TlsError); close it.
//   - close() from another greenlet of the thread wakes greenlets parked on
//     the socket; their call throws std::system_error(EBADF).
//   - One greenlet may receive while another sends; two greenlets must not
//     receive (or send) on one TlsSocket at the same time.
//   - Calls must come from a greenlet (or the main greenlet), not the hub.
//   - SIGPIPE is never raised: writing to a closed peer throws EPIPE.
#pragma once

#include <cstddef>
#include <cstdint>
#include <functional>
#include <memory>
#include <stdexcept>
#include <string>
#include <string_view>

#include "green/duration.h"
#include "green/server.h"
#include "green/socket.h"

// OpenSSL's types, by their struct names: this header needs no OpenSSL headers.
struct ssl_ctx_st;
struct ssl_st;

namespace green {

// TlsError: a TLS failure (handshake, protocol, verification), not a socket
// error. what() names the call, the peer and the reason.
class TlsError : public std::runtime_error {
 public:
  explicit TlsError(const std::string& what, long verify_code = 0, std::string verify_reason = {})
      : std::runtime_error(what), verify_code_(verify_code), verify_reason_(std::move(verify_reason)) {}
  // verify_code: the X509_V_ERR_* code when the peer's certificate failed
  // verification (X509_V_ERR_HOSTNAME_MISMATCH, ...), else 0 (X509_V_OK).
  long verify_code() const noexcept { return verify_code_; }
  // verify_reason: X509_verify_cert_error_string(verify_code()); empty when
  // verification did not fail.
  const std::string& verify_reason() const noexcept { return verify_reason_; }

 private:
  long verify_code_;
  std::string verify_reason_;
};

enum class TlsRole { client, server };

// TlsContext: the settings TLS sockets share (an SSL_CTX): role, certificate,
// trusted CAs, whether the peer is verified. Cheap to copy: copies share the
// one SSL_CTX, so a setting made through one is seen by all; configure it
// before the first socket uses it. Belongs to no hub: sockets of any thread
// may share one once it is configured (OpenSSL locks it). TLS 1.2 is the
// oldest version allowed. Never switches; configuration errors throw
// TlsError naming the file or the reason.
class TlsContext {
 public:
  // TlsContext(client): verifies servers against the system's CAs
  // (SSL_CTX_set_default_verify_paths) and checks the server's name.
  // TlsContext(server): presents the certificate given with certificate_*;
  // does not ask clients for one unless verify_peer(true).
  explicit TlsContext(TlsRole role);

  // certificate_pem / certificate_file: the certificate chain (leaf first)
  // and its private key, as PEM text or PEM files. Throws TlsError when they
  // do not parse or do not match.
  TlsContext& certificate_pem(std::string_view chain_pem, std::string_view key_pem);
  TlsContext& certificate_file(const std::string& chain_path, const std::string& key_path);
  // trust_pem / trust_file: also trust these CA certificates (PEM, one or
  // more) — a private CA, or a self-signed certificate. Throws TlsError.
  TlsContext& trust_pem(std::string_view ca_pem);
  TlsContext& trust_file(const std::string& ca_path);
  // verify_peer: client: verify the server's certificate and name (default
  // on; off accepts any server — for tests only). Server: require a client
  // certificate signed by a trusted CA (default off).
  TlsContext& verify_peer(bool on);

  TlsRole role() const noexcept { return role_; }
  // verifies_peer / has_certificate: what the SSL_CTX says (shared by copies).
  bool verifies_peer() const noexcept;
  bool has_certificate() const noexcept;
  // native_handle: the SSL_CTX, for settings this class does not offer.
  ssl_ctx_st* native_handle() const noexcept { return ctx_.get(); }

 private:
  std::shared_ptr<ssl_ctx_st> ctx_;
  TlsRole role_;
};

// TlsSocket: a TLS connection over a Socket. Move-only; the destructor
// closes it (close()). Every factory makes the handshake before returning;
// when it fails the socket is closed and the error thrown.
class TlsSocket {
 public:
  TlsSocket() noexcept;
  ~TlsSocket();
  TlsSocket(TlsSocket&&) noexcept;
  TlsSocket& operator=(TlsSocket&&) noexcept;

  // connect: Socket::connect, then the client handshake, all within
  // `timeout`. `server_name` is sent as SNI (unless numeric) and, when the
  // context verifies, must match the certificate (DNS name, or IP address).
  // Throws std::invalid_argument when it is empty while verifying, TlsError
  // when the handshake or verification fails, std::system_error for socket
  // errors and errc::timed_out.
  static TlsSocket connect(const TlsContext& ctx, const Address& to, const std::string& server_name,
                           Duration timeout = forever);
  // connect: resolve `host` (Socket::connect(host, port)) and check the
  // certificate against `host`.
  static TlsSocket connect(const TlsContext& ctx, const std::string& host, std::uint16_t port,
                           Duration timeout = forever);
  // client / server: the handshake over an already connected Socket (taken
  // over), as the client checking `server_name` or as the server. The
  // context's role must match; std::invalid_argument otherwise.
  static TlsSocket client(Socket sock, const TlsContext& ctx, const std::string& server_name,
                          Duration timeout = forever);
  static TlsSocket server(Socket sock, const TlsContext& ctx, Duration timeout = forever);

  // send: encrypt and send some of `data` (a TLS record or more), parking
  // while the socket is not writable; returns how many bytes went (at least
  // 1 when size > 0).
  std::size_t send(const void* data, std::size_t size, Duration timeout = forever);
  // send_all: send every byte; `timeout` bounds the whole transfer.
  void send_all(const void* data, std::size_t size, Duration timeout = forever);
  void send_all(std::string_view data, Duration timeout = forever) { send_all(data.data(), data.size(), timeout); }
  // recv: up to `size` decrypted bytes, parking until some arrive; 0 when
  // the peer ended the TLS stream cleanly (its close_notify). A peer that
  // drops the connection without close_notify throws TlsError ("unexpected
  // eof"): the data may have been cut short.
  std::size_t recv(void* buf, std::size_t size, Duration timeout = forever);
  // recv_exact: exactly `size` bytes; throws EndOfStream when the stream ends first.
  void recv_exact(void* buf, std::size_t size, Duration timeout = forever);
  std::string recv_exact(std::size_t size, Duration timeout = forever);

  // shutdown: the clean end of a connection: send close_notify, then wait
  // for the peer's (application data arriving meanwhile is discarded), then
  // close. Throws like recv; the socket is closed either way.
  void shutdown(Duration timeout = forever);
  // close: send close_notify if that can be done without waiting (the peer
  // then reads a clean end of stream), wake greenlets parked on the socket
  // (EBADF) and close the fd. Never blocks or throws; no-op when not open.
  void close() noexcept;

  int fd() const noexcept { return sock_.fd(); }
  bool is_open() const noexcept { return sock_.is_open(); }
  explicit operator bool() const noexcept { return is_open(); }
  Address local_address() const { return sock_.local_address(); }
  Address peer_address() const { return sock_.peer_address(); }
  // version / cipher: the negotiated protocol ("TLSv1.3") and cipher suite.
  std::string version() const;
  std::string cipher() const;
  // peer_subject: the peer certificate's subject ("CN=localhost"), empty
  // when the peer sent none.
  std::string peer_subject() const;
  // native_handle: the SSL session (nullptr when closed).
  ssl_st* native_handle() const noexcept { return ssl_; }

 private:
  TlsSocket(Socket sock, const TlsContext& ctx, std::string peer);
  void handshake(const TlsContext& ctx, const std::string& server_name, Duration timeout);
  // io: run one OpenSSL call until it succeeds, parking on WANT_READ /
  // WANT_WRITE until `deadline` (tls_socket.cpp).
  // `eof_is_end`: a peer gone without close_notify counts as the end (shutdown).
  template <class Call>
  int io(const char* name, detail::Deadline deadline, Call call, bool eof_is_end = false);
  std::string what(const char* name) const;
  void check_open(const char* name) const;
  void release_ssl() noexcept;
  struct Busy;  // marks a call in progress (tls_socket.cpp)

  Socket sock_;
  ssl_st* ssl_ = nullptr;
  std::string peer_;          // for messages: "127.0.0.1:8443" or "example.org:443"
  int busy_ = 0;              // calls in progress: close() then sends no close_notify
  bool fatal_ = false;        // OpenSSL reported a fatal error: no close_notify may follow
  bool send_broken_ = false;  // a send stopped mid-record (timeout, kill): no more sends
};

// TlsHandler: serves one TLS connection; the handshake is done.
using TlsHandler = std::function<void(TlsSocket, const Address& peer)>;

// tls_handler: a StreamServer::Handler that makes the server handshake in the
// connection's greenlet (within `handshake_timeout`; the acceptor never waits
// for it) and then calls `handler`. A failed handshake ends that greenlet
// with the TlsError or timeout (printed by the hub as any greenlet's failure);
// the server goes on. Throws std::invalid_argument when `ctx` is not a
// server context with a certificate.
StreamServer::Handler tls_handler(TlsContext ctx, TlsHandler handler, Duration handshake_timeout = forever);

// TlsStreamServer: StreamServer's TLS option — a StreamServer whose handler
// is tls_handler(ctx, handler, handshake_timeout). Everything else
// (start, serve_forever, stop, Pool bound) is StreamServer's.
class TlsStreamServer : public StreamServer {
 public:
  TlsStreamServer(Address address, TlsContext ctx, TlsHandler handler, Pool* pool = nullptr,
                  Duration handshake_timeout = forever, int backlog = 128)
      : StreamServer(std::move(address), tls_handler(std::move(ctx), std::move(handler), handshake_timeout), pool,
                     backlog) {}
};

// SelfSigned: a certificate and its key, PEM-encoded.
struct SelfSigned {
  std::string certificate_pem;
  std::string key_pem;
};

// self_signed_certificate: a fresh P-256 key and a self-signed certificate
// for `name` (a DNS name, or a numeric IP address), valid from an hour ago for
// `days` days. For tests and examples: a server uses it with
// certificate_pem, a client trusts it with trust_pem. Never switches; throws
// TlsError.
SelfSigned self_signed_certificate(const std::string& name, int days = 1);

}  // namespace green

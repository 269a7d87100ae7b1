// tls/tls_server.cpp — StreamServer's TLS option: green::tls_handler (green/tls.h).
//
// The handshake runs in the connection's own greenlet, never in the acceptor:
// a client that connects and stays silent holds only its greenlet (until the
// handshake timeout), not the server.
#include <memory>
#include <stdexcept>

#include "green/tls.h"

namespace green {

StreamServer::Handler tls_handler(TlsContext ctx, TlsHandler handler, Duration handshake_timeout) {
  if (ctx.role() != TlsRole::server || !ctx.has_certificate())
    throw std::invalid_argument(
        "green::tls_handler: the context must be TlsContext(TlsRole::server) with a certificate "
        "(certificate_pem or certificate_file)");
  if (!handler) throw std::invalid_argument("green::tls_handler: the handler is empty");
  return [ctx = std::move(ctx), h = std::make_shared<const TlsHandler>(std::move(handler)), handshake_timeout](
             Socket s, const Address& peer) { (*h)(TlsSocket::server(std::move(s), ctx, handshake_timeout), peer); };
}

}  // namespace green

// green::tls from the installed package: a TLS echo between a TlsStreamServer
// and a TlsSocket that trusts the server's self-signed certificate.
#include <green/green.h>
#include <green/tls.h>

#include <cstdio>

using namespace std::chrono_literals;

int main() {
  const auto id = green::self_signed_certificate("localhost");
  green::TlsContext server_ctx(green::TlsRole::server);
  server_ctx.certificate_pem(id.certificate_pem, id.key_pem);
  green::TlsStreamServer server(green::Address::tcp("127.0.0.1", 0), server_ctx,
                                [](green::TlsSocket s, const green::Address&) {
                                  char buf[64];
                                  while (std::size_t n = s.recv(buf, sizeof buf, 10s)) s.send_all(buf, n, 10s);
                                });
  server.start();
  green::TlsContext client_ctx(green::TlsRole::client);
  client_ctx.trust_pem(id.certificate_pem);
  auto s = green::TlsSocket::connect(client_ctx, server.address(), "localhost", 10s);
  s.send_all("tls", 10s);
  const bool ok = s.recv_exact(3, 10s) == "tls";
  s.shutdown(10s);
  server.stop(5s);
  std::printf("consumer_tls: %s\n", ok ? "echoed over TLS" : "wrong echo");
  return ok ? 0 : 1;
}

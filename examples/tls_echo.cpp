// tls_echo — a TLS echo server and its clients in one program (green/tls.h).
//
// It makes a self-signed certificate for "localhost", serves TLS echo on a
// free port of 127.0.0.1 (TlsStreamServer, one greenlet per connection), then
// runs N clients at once (default 5), each with the certificate as its only
// trusted CA, checking its hostname; each sends a line, reads the echo and
// ends with a clean TLS shutdown. Last, a client with the default context
// (the system's CAs) connects and is refused: the certificate is not trusted.
// It prints what each part did; exit status 0 when everything went as said.
//
//   tls_echo [N]
#include <green/green.h>
#include <green/tls.h>

#include <cstdio>
#include <cstdlib>
#include <string>
#include <vector>

using namespace std::chrono_literals;

int main(int argc, char** argv) {
  const int clients = argc > 1 ? std::atoi(argv[1]) : 5;
  if (clients < 1 || clients > 1000) {
    std::fprintf(stderr, "usage: tls_echo [N]   (1 to 1000 clients)\n");
    return 2;
  }

  const green::SelfSigned id = green::self_signed_certificate("localhost");
  green::TlsContext server_ctx(green::TlsRole::server);
  server_ctx.certificate_pem(id.certificate_pem, id.key_pem);

  green::TlsStreamServer server(
      green::Address::tcp("127.0.0.1", 0), server_ctx,
      [](green::TlsSocket s, const green::Address&) {
        char buf[4096];
        while (std::size_t n = s.recv(buf, sizeof buf, 10s)) s.send_all(buf, n, 10s);
      },
      nullptr, 5s);  // a client that never finishes its handshake is dropped after 5 s
  server.start();
  std::printf("server: TLS echo on %s with a self-signed certificate for localhost\n",
              server.address().to_string().c_str());

  green::TlsContext client_ctx(green::TlsRole::client);
  client_ctx.trust_pem(id.certificate_pem);
  std::vector<green::Greenlet<bool>> gs;
  for (int i = 0; i < clients; ++i)
    gs.push_back(green::spawn([&, i] {
      auto s = green::TlsSocket::connect(client_ctx, server.address(), "localhost", 10s);
      const std::string line = "hello " + std::to_string(i) + " from a greenlet";
      s.send_all(line, 10s);
      const std::string echo = s.recv_exact(line.size(), 10s);
      std::printf("client %d: %s %s, server is %s, echoed \"%s\"\n", i, s.version().c_str(), s.cipher().c_str(),
                  s.peer_subject().c_str(), echo.c_str());
      s.shutdown(10s);
      return echo == line;
    }));
  green::joinall(gs);
  int ok = 0;
  for (auto& g : gs) ok += g.successful() && g.get() ? 1 : 0;
  std::printf("%d of %d clients echoed over TLS and shut down cleanly\n", ok, clients);

  bool refused = false;
  try {
    green::TlsSocket::connect(green::TlsContext(green::TlsRole::client), server.address(), "localhost", 10s);
  } catch (const green::TlsError& e) {
    refused = e.verify_code() != 0;
    std::printf("untrusted client: refused (%s)\n", e.verify_reason().c_str());
  }
  server.stop(5s);
  return ok == clients && refused ? 0 : 1;
}

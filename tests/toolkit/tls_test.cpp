// tls_test.cpp — green/tls.h: TlsSocket against TlsStreamServer (echo, 20
// concurrent clients, clean shutdown, a full-duplex megabyte), certificate
// verification and its failures, and bad input. Timeouts, kill and close:
// tls_timeout_test.cpp.
#include <openssl/x509_vfy.h>
#include <stdlib.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <string>
#include <system_error>
#include <vector>

#include "green/tls.h"
#include "net.h"
#include "tls_env.h"
#include "toolkit_fixture.h"

namespace toolkit_test {
namespace {

using TlsTest = ToolkitTest;

std::string pattern(std::size_t size, int seed) {
  std::string s(size, '\0');
  for (std::size_t i = 0; i < size; ++i) s[i] = static_cast<char>('a' + (i * 7 + static_cast<std::size_t>(seed)) % 26);
  return s;
}

TEST_F(TlsTest, EchoWithTwentyConcurrentClientsAndCleanShutdown) {
  int clean_ends = 0;
  green::TlsStreamServer server(green::Address::tcp("127.0.0.1", 0), server_context(),
                                [&](green::TlsSocket s, const green::Address& peer) {
                                  tls_echo(std::move(s), peer);
                                  ++clean_ends;  // recv saw the client's close_notify, not an error
                                });
  server.start();
  const green::TlsContext ctx = trusting_client();
  constexpr int kClients = 20;
  int connected = 0;
  green::Event all_connected;
  std::vector<green::Greenlet<std::string>> clients;
  for (int i = 0; i < kClients; ++i)
    clients.push_back(green::spawn([&, i] {
      auto s = green::TlsSocket::connect(ctx, server.address(), "localhost", 10s);
      if (++connected == kClients) all_connected.set();
      all_connected.wait(10s);  // every handshake done before any echo: 20 connections at once
      EXPECT_EQ(s.peer_subject(), "CN=localhost");
      EXPECT_EQ(s.version().rfind("TLSv1.", 0), 0u) << s.version();
      const std::string msg = pattern(20000, i);  // two TLS records and more
      s.send_all(msg, 10s);
      std::string back = s.recv_exact(msg.size(), 10s);
      s.shutdown(10s);  // close_notify both ways: returns once the server's came
      EXPECT_FALSE(s.is_open());
      return back == msg ? std::string("ok") : "client " + std::to_string(i) + " got other bytes";
    }));
  green::joinall(clients);
  for (auto& c : clients) EXPECT_EQ(c.get(), "ok");
  EXPECT_EQ(connected, kClients);
  EXPECT_TRUE(eventually([&] { return clean_ends == kClients; })) << clean_ends;
  EXPECT_EQ(server.accepted(), static_cast<std::size_t>(kClients));
  EXPECT_TRUE(server.stop(5s));
}

TEST_F(TlsTest, AMegabyteBothWaysAtOnceOnOneConnection) {
  green::TlsStreamServer server(green::Address::tcp("127.0.0.1", 0), server_context(), tls_echo);
  server.start();
  auto s = green::TlsSocket::connect(trusting_client(), server.address(), "localhost", 10s);
  const std::string msg = pattern(1 << 20, 3);
  // One greenlet sends while this one receives: neither side's buffers can
  // hold a megabyte, so sending alone would wait for the echo forever.
  auto writer = green::spawn([&] { s.send_all(msg, 30s); });
  std::string back = s.recv_exact(msg.size(), 30s);
  writer.get();
  EXPECT_TRUE(back == msg);
  s.shutdown(10s);
  EXPECT_TRUE(server.stop(5s));
}

TEST_F(TlsTest, HandshakeOverConnectedSocketsBothWays) {
  auto [a, b] = socket_pair();
  auto server = green::spawn([&, sock = std::move(b)]() mutable {
    auto s = green::TlsSocket::server(std::move(sock), server_context(), 10s);
    char buf[64];
    std::size_t n = s.recv(buf, sizeof buf, 10s);
    s.send_all(std::string("re: ") + std::string(buf, n), 10s);
    EXPECT_EQ(s.recv(buf, sizeof buf, 10s), 0u);  // the client's close_notify
  });
  auto c = green::TlsSocket::client(std::move(a), trusting_client(), "localhost", 10s);
  c.send_all("hello", 10s);
  EXPECT_EQ(c.recv_exact(9, 10s), "re: hello");
  c.shutdown(10s);
  server.get();
}

TEST_F(TlsTest, ConnectByNameChecksTheCertificateAgainstThatName) {
  green::TlsStreamServer server(green::Address::tcp("127.0.0.1", 0), server_context(), tls_echo);
  server.start();
  auto s = green::TlsSocket::connect(trusting_client(), "localhost", server.address().port(), 10s);
  s.send_all("by name", 10s);
  EXPECT_EQ(s.recv_exact(7, 10s), "by name");
  s.shutdown(10s);
  EXPECT_TRUE(server.stop(5s));
}

TEST_F(TlsTest, CertificateForAnIpAddressVerifiesByAddress) {
  const auto id = green::self_signed_certificate("127.0.0.1");
  green::TlsContext sctx(green::TlsRole::server);
  sctx.certificate_pem(id.certificate_pem, id.key_pem);
  green::TlsStreamServer server(green::Address::tcp("127.0.0.1", 0), sctx, tls_echo);
  server.start();
  green::TlsContext cctx(green::TlsRole::client);
  cctx.trust_pem(id.certificate_pem);
  auto s = green::TlsSocket::connect(cctx, server.address(), "127.0.0.1", 10s);
  s.send_all("by address", 10s);
  EXPECT_EQ(s.recv_exact(10, 10s), "by address");
  s.shutdown(10s);
  EXPECT_TRUE(server.stop(5s));
}

// echo_once: connect with `ctx`, echo `text`, shut down; returns what came back.
std::string echo_once(const green::TlsContext& ctx, const green::Address& a, const std::string& text) {
  auto s = green::TlsSocket::connect(ctx, a, "localhost", 10s);
  s.send_all(text, 10s);
  std::string back = s.recv_exact(text.size(), 10s);
  s.shutdown(10s);
  return back;
}

TEST_F(TlsTest, ContextsFromPemFiles) {
  std::string tmpl = (std::filesystem::temp_directory_path() / "green-tls-XXXXXX").string();
  const char* dir = ::mkdtemp(tmpl.data());
  ASSERT_NE(dir, nullptr);
  const std::string cert = std::string(dir) + "/cert.pem", key = std::string(dir) + "/key.pem";
  std::ofstream(cert) << localhost_identity().certificate_pem;
  std::ofstream(key) << localhost_identity().key_pem;
  green::TlsContext sctx(green::TlsRole::server);
  sctx.certificate_file(cert, key);
  green::TlsContext cctx(green::TlsRole::client);
  cctx.trust_file(cert);
  green::TlsStreamServer server(green::Address::tcp("127.0.0.1", 0), sctx, tls_echo);
  server.start();
  EXPECT_EQ(echo_once(cctx, server.address(), "from files"), "from files");
  EXPECT_TRUE(server.stop(5s));
  ::unlink(cert.c_str());
  ::unlink(key.c_str());
  ::rmdir(dir);
}

TEST_F(TlsTest, ServerThatVerifiesPeersWantsATrustedClientCertificate) {
  const auto client_id = green::self_signed_certificate("client.test");
  green::TlsContext sctx = server_context();
  sctx.verify_peer(true).trust_pem(client_id.certificate_pem);
  std::string subject;
  green::TlsStreamServer server(green::Address::tcp("127.0.0.1", 0), sctx,
                                [&](green::TlsSocket s, const green::Address& peer) {
                                  subject = s.peer_subject();
                                  tls_echo(std::move(s), peer);
                                });
  server.start();
  green::TlsContext with_cert = trusting_client();
  with_cert.certificate_pem(client_id.certificate_pem, client_id.key_pem);
  EXPECT_EQ(echo_once(with_cert, server.address(), "mutual"), "mutual");
  EXPECT_EQ(subject, "CN=client.test");
  // Without one: refused. (Under TLS 1.3 the client's handshake may finish
  // first; then its first read gets the server's alert.)
  std::string refused;
  try {
    echo_once(trusting_client(), server.address(), "anonymous");
  } catch (const green::TlsError& e) {
    refused = e.what();
  }
  EXPECT_NE(refused.find("certificate required"), std::string::npos) << refused;
  server.stop(5s);
}

// connect_error: the TlsError a connection to `server` with `ctx` and `name` fails with.
green::TlsError connect_error(const green::TlsContext& ctx, const green::Address& server, const std::string& name) {
  try {
    green::TlsSocket::connect(ctx, server, name, 10s);
  } catch (const green::TlsError& e) {
    return e;
  }
  ADD_FAILURE() << "connected to " << name << " without a verification failure";
  return green::TlsError("none");
}

TEST_F(TlsTest, UntrustedSelfSignedCertificateIsRefusedWithTheReason) {
  green::TlsStreamServer server(green::Address::tcp("127.0.0.1", 0), server_context(), tls_echo);
  server.start();
  // Verification is on by default: the system's CAs do not know this certificate.
  green::TlsError e = connect_error(green::TlsContext(green::TlsRole::client), server.address(), "localhost");
  EXPECT_EQ(e.verify_code(), X509_V_ERR_DEPTH_ZERO_SELF_SIGNED_CERT);
  EXPECT_EQ(e.verify_reason(), X509_verify_cert_error_string(X509_V_ERR_DEPTH_ZERO_SELF_SIGNED_CERT));
  const std::string what = e.what();
  EXPECT_NE(what.find("green::TlsSocket::handshake with " + server.address().to_string()), std::string::npos) << what;
  EXPECT_NE(what.find("certificate verification failed: self-signed certificate"), std::string::npos) << what;
  server.stop(5s);
}

TEST_F(TlsTest, WrongHostnameIsRefusedWithTheReason) {
  green::TlsStreamServer server(green::Address::tcp("127.0.0.1", 0), server_context(), tls_echo);
  server.start();
  green::TlsError e = connect_error(trusting_client(), server.address(), "example.com");
  EXPECT_EQ(e.verify_code(), X509_V_ERR_HOSTNAME_MISMATCH);
  EXPECT_NE(std::string(e.what()).find("certificate verification failed: hostname mismatch"), std::string::npos)
      << e.what();
  // The certificate names localhost, not the address.
  green::TlsError by_ip = connect_error(trusting_client(), server.address(), "127.0.0.1");
  EXPECT_EQ(by_ip.verify_code(), X509_V_ERR_IP_ADDRESS_MISMATCH) << by_ip.what();
  server.stop(5s);
}

TEST_F(TlsTest, VerificationOffAcceptsAnyServer) {
  green::TlsStreamServer server(green::Address::tcp("127.0.0.1", 0), server_context(), tls_echo);
  server.start();
  green::TlsContext ctx(green::TlsRole::client);
  ctx.verify_peer(false);
  auto s = green::TlsSocket::connect(ctx, server.address(), "", 10s);
  s.send_all("x", 10s);
  EXPECT_EQ(s.recv_exact(1, 10s), "x");
  s.shutdown(10s);
  EXPECT_TRUE(server.stop(5s));
}

TEST_F(TlsTest, BadInputIsRefusedWithAClearError) {
  green::TlsContext client(green::TlsRole::client);
  green::TlsContext bare_server(green::TlsRole::server);
  auto refused = [](auto f) -> std::string {
    try {
      f();
    } catch (const std::exception& e) {
      return e.what();
    }
    return "(accepted)";
  };
  EXPECT_NE(refused([&] { green::tls_handler(bare_server, tls_echo); }).find("with a certificate"), std::string::npos);
  EXPECT_NE(refused([&] { green::tls_handler(client, tls_echo); }).find("TlsRole::server"), std::string::npos);
  EXPECT_NE(refused([&] {
              green::TlsSocket::connect(client, green::Address::tcp("127.0.0.1", 1), "", 1s);
            }).find("no server name"),
            std::string::npos);
  EXPECT_NE(refused([&] { bare_server.certificate_pem("not a certificate", "not a key"); }).find("not PEM"),
            std::string::npos);
  const auto other = green::self_signed_certificate("other.test");
  EXPECT_NE(refused([&] {
              bare_server.certificate_pem(localhost_identity().certificate_pem, other.key_pem);
            }).find("does not match"),
            std::string::npos);
  EXPECT_NE(refused([&] { client.trust_file("/nonexistent/ca.pem"); }).find("/nonexistent/ca.pem"), std::string::npos);
  EXPECT_NE(refused([] { green::self_signed_certificate("a,b"); }).find("neither a DNS name"), std::string::npos);
}

}  // namespace
}  // namespace toolkit_test

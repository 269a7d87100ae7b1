// tls_env.h — what the TLS tests share: one self-signed identity for
// "localhost" (made once per test process with green::self_signed_certificate),
// the server context presenting it, a client context trusting it, and an
// echo handler.
#pragma once

#include <string>

#include "green/tls.h"
#include "net.h"

namespace toolkit_test {

inline const green::SelfSigned& localhost_identity() {
  static const green::SelfSigned id = green::self_signed_certificate("localhost");
  return id;
}

inline green::TlsContext server_context() {
  green::TlsContext ctx(green::TlsRole::server);
  ctx.certificate_pem(localhost_identity().certificate_pem, localhost_identity().key_pem);
  return ctx;
}

// trusting_client: verifies as every client does, and trusts the test's certificate.
inline green::TlsContext trusting_client() {
  green::TlsContext ctx(green::TlsRole::client);
  ctx.trust_pem(localhost_identity().certificate_pem);
  return ctx;
}

// tls_echo: echo until the peer's close_notify.
inline void tls_echo(green::TlsSocket s, const green::Address&) {
  char buf[16384];
  while (std::size_t n = s.recv(buf, sizeof buf, 10s)) s.send_all(buf, n, 10s);
}

}  // namespace toolkit_test

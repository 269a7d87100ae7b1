// tls/tls_errors.cpp — OpenSSL's error queue as words (tls_errors.h).
#include "tls/tls_errors.h"

#include <openssl/err.h>

#include "green/tls.h"

namespace green::detail {

std::string openssl_reasons() {
  std::string out;
  while (unsigned long e = ERR_get_error()) {
    // The reason alone ("certificate verify failed") reads better than the
    // full "error:0A000086:SSL routines::..." line; the code is kept when
    // OpenSSL has no words for it.
    const char* reason = ERR_reason_error_string(e);
    char buf[256];
    if (!reason) {
      ERR_error_string_n(e, buf, sizeof buf);
      reason = buf;
    }
    if (out.find(reason) != std::string::npos) continue;
    if (!out.empty()) out += "; ";
    out += reason;
  }
  return out;
}

void throw_tls(const std::string& what) {
  std::string reasons = openssl_reasons();
  throw TlsError(reasons.empty() ? what : what + ": " + reasons);
}

}  // namespace green::detail

// tls/tls_bio.h — the BIO through which OpenSSL reaches a green socket.
//
// OpenSSL's own socket BIO writes with write(2), which raises SIGPIPE when the
// peer is gone; green's sockets promise EPIPE instead. This BIO sends with
// MSG_NOSIGNAL and receives with recv(2) on the non-blocking fd, and reports
// EAGAIN as "retry", which SSL_get_error turns into WANT_READ / WANT_WRITE:
// the caller (tls_socket.cpp) then parks its greenlet on the fd.
#pragma once

#include <openssl/bio.h>

namespace green::detail {

// socket_bio: a new BIO on `fd` (not owning it: the Socket closes the fd).
// Returns nullptr when OpenSSL cannot allocate it.
BIO* socket_bio(int fd);

}  // namespace green::detail

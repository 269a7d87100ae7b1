// tls/tls_errors.h — OpenSSL's error queue as words, for green::TlsError.
//
// OpenSSL records why a call failed in a per-thread queue; green empties it
// into the message of the exception it throws, so a failure says what
// OpenSSL said, and a stale entry never leaks into a later, unrelated error.
#pragma once

#include <string>

namespace green::detail {

// openssl_reasons: every entry of this thread's OpenSSL error queue as
// "reason; reason" (empty when the queue is empty), emptying the queue.
std::string openssl_reasons();

// throw_tls: throw TlsError("<what>: <OpenSSL's reasons>").
[[noreturn]] void throw_tls(const std::string& what);

}  // namespace green::detail

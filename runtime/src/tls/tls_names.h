// tls/tls_names.h — telling a numeric IP address from a DNS name: the two are
// checked (and put in certificates) differently.
#pragma once

#include <arpa/inet.h>
#include <netinet/in.h>

#include <string>

namespace green::detail {

// is_ip_literal: `s` is a numeric IPv4 or IPv6 address.
inline bool is_ip_literal(const std::string& s) {
  unsigned char buf[sizeof(in6_addr)];
  return ::inet_pton(AF_INET, s.c_str(), buf) == 1 || ::inet_pton(AF_INET6, s.c_str(), buf) == 1;
}

}  // namespace green::detail

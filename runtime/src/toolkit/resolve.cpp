// toolkit/resolve.cpp — green::resolve, Address::resolve and
// Socket::connect(host, port) (green/resolve.h).
#include "green/resolve.h"

#include <netdb.h>

#include <cerrno>
#include <cstring>
#include <memory>
#include <system_error>

#include "green/threadpool.h"
#include "green/timeout.h"

namespace green {

namespace {

struct Lookup {
  int rc = 0;
  int err = 0;  // errno, for EAI_SYSTEM
  std::vector<Address> out;
};

Lookup lookup(const std::string& host, const std::string& service, int family, int flags) {
  addrinfo hints{};
  hints.ai_family = family;
  hints.ai_socktype = SOCK_STREAM;
  hints.ai_flags = flags | AI_ADDRCONFIG;
  addrinfo* res = nullptr;
  Lookup l;
  l.rc = ::getaddrinfo(host.c_str(), service.empty() ? nullptr : service.c_str(), &hints, &res);
  l.err = errno;
  if (l.rc != 0) return l;
  std::unique_ptr<addrinfo, void (*)(addrinfo*)> hold(res, &::freeaddrinfo);
  for (addrinfo* ai = res; ai; ai = ai->ai_next) {
    Address a = Address::from_sockaddr(ai->ai_addr, ai->ai_addrlen);
    bool seen = false;
    for (const Address& b : l.out)
      seen = seen || (b.length() == a.length() && std::memcmp(b.sockaddr_ptr(), a.sockaddr_ptr(), a.length()) == 0);
    if (!seen) l.out.push_back(a);
  }
  return l;
}

}  // namespace

std::vector<Address> resolve(const std::string& host, const std::string& service, int family, Duration timeout) {
  if (host.empty()) throw ResolveError("green::resolve: empty host name; give a name or a numeric address", EAI_NONAME);
  // Numeric host and port: no lookup to wait for.
  Lookup l = lookup(host, service, family, AI_NUMERICHOST | AI_NUMERICSERV);
  if (l.rc == EAI_NONAME) {
    Timeout t(timeout);
    l = run_in_thread([=] { return lookup(host, service, family, 0); });
  }
  if (l.rc != 0) {
    std::string why = l.rc == EAI_SYSTEM ? std::strerror(l.err) : ::gai_strerror(l.rc);
    throw ResolveError("green::resolve(\"" + host + "\", \"" + service + "\"): " + why, l.rc);
  }
  return std::move(l.out);
}

std::vector<Address> Address::resolve(const std::string& host, std::uint16_t port, int family) {
  return green::resolve(host, std::to_string(port), family);
}

Socket Socket::connect(const std::string& host, std::uint16_t port, Duration timeout) {
  detail::Deadline deadline = detail::Deadline::after(timeout);
  std::vector<Address> addrs = green::resolve(host, std::to_string(port), AF_UNSPEC, timeout);
  std::exception_ptr last;
  for (const Address& a : addrs) {
    try {
      return connect(a, deadline.left());
    } catch (const std::system_error&) {
      last = std::current_exception();
    }
  }
  if (!last) throw ResolveError("green::Socket::connect(\"" + host + "\"): no address to connect to", EAI_NONAME);
  std::rethrow_exception(last);
}

}  // namespace green

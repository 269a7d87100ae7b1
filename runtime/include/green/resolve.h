// green/resolve.h — names to addresses without blocking the hub.
//
//   auto addrs = green::resolve("localhost", "8080");          // every address
//   green::Socket s = green::Socket::connect("localhost", 8080, 5s);
//
// getaddrinfo cannot be made cooperative (glibc does its own I/O inside), so
// it runs on the shared thread pool (green/threadpool.h) — the same resolver
// the preload uses — with full NSS behaviour (/etc/hosts, DNS, ...); only the
// calling greenlet parks. Numeric hosts and services skip the pool.
//
// Errors: ResolveError (a std::runtime_error) naming the host, the service
// and getaddrinfo's reason. Timeout: `timeout` bounds the wait; when it passes
// a green::Timeout is thrown (the lookup finishes on its thread and is
// dropped). Kill and Timeout aimed at the caller interrupt the wait the same
// way. Must be called from a greenlet or the main greenlet, not the hub.
#pragma once

#include <sys/socket.h>

#include <stdexcept>
#include <string>
#include <vector>

#include "green/duration.h"
#include "green/socket.h"

namespace green {

class ResolveError : public std::runtime_error {
 public:
  ResolveError(const std::string& what, int gai_code) : std::runtime_error(what), code(gai_code) {}
  int code;  // getaddrinfo's EAI_* value
};

// resolve: the stream-socket addresses of `host`:`service` (a port number or
// a service name), of `family` (AF_UNSPEC: IPv4 and IPv6), in getaddrinfo's
// order, without duplicates.
std::vector<Address> resolve(const std::string& host, const std::string& service, int family = AF_UNSPEC,
                             Duration timeout = forever);

}  // namespace green

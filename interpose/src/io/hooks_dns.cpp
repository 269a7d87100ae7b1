// io/hooks_dns.cpp — name lookups run on green's thread pool while the calling
// greenlet waits.
//
// getaddrinfo and friends cannot be made cooperative from below: glibc calls
// its own internal socket/poll/recv, which no interposer sees, and NSS modules
// may do anything. So the whole call runs on a pool thread (which has no hub:
// any hooked call inside it goes straight to libc) with full NSS behaviour.
// The non-reentrant gethostbyname/gethostbyaddr keep their static result
// buffers: the pool thread calls the reentrant _r variant into a per-thread
// buffer of the calling thread, as glibc does per thread.
#include <arpa/inet.h>

#include <cerrno>
#include <memory>
#include <new>
#include <utility>

#include "gate/park.h"
#include "gate/real.h"
#include "green/threadpool.h"

namespace gi = green::interpose;
using gi::Hook;

namespace {

template <class Native, class Call>
auto offload(Hook h, Native native, Call call) {
  if (!gi::active(h)) return native();
  gi::count(h, gi::Why::green);
  gi::count(h, gi::Why::parked);
  try {
    // errno travels back too (getaddrinfo's EAI_SYSTEM).
    auto [value, err] = green::run_in_thread([&call] {
      auto v = call();
      return std::pair<decltype(v), int>(v, errno);
    });
    errno = err;
    return value;
  } catch (const green::LoopExit&) {
    return native();
  } catch (const std::bad_alloc&) {
    return native();  // no memory for the pool: do it here, blocking
  } catch (const std::system_error&) {
    return native();  // no thread could be started: likewise
  }
}

// numeric: a host or service written as numbers (or absent) — glibc answers
// those by parsing alone, with no NSS or network, so they stay on the caller's
// thread (and a program that only connects to 127.0.0.1 starts no pool thread).
bool numeric_host(const char* node) {
  if (!node) return true;
  unsigned char addr[sizeof(in6_addr)];
  return inet_pton(AF_INET, node, addr) == 1 || inet_pton(AF_INET6, node, addr) == 1;
}
bool numeric_service(const char* service) {
  if (!service) return true;
  if (!*service) return false;
  for (const char* p = service; *p; ++p)
    if (*p < '0' || *p > '9') return false;
  return true;
}

// The static storage of gethostbyname & co., per calling thread (glibc's
// buffers are per process; per thread is at least as safe).
struct HostBuffer {
  hostent ent;
  char buf[8192];
};
// Allocated at a thread's first call, not in its TLS block: every thread's
// block (each green thread's too, with GREEN_THREAD_TLS) would carry 8 KiB.
thread_local std::unique_ptr<HostBuffer> t_host;

// host_buffer: the calling thread's buffer, or null with h_errno
// NETDB_INTERNAL and errno ENOMEM, as glibc's own would fail.
HostBuffer* host_buffer() {
  if (!t_host) t_host.reset(new (std::nothrow) HostBuffer());
  if (!t_host) {
    h_errno = NETDB_INTERNAL;
    errno = ENOMEM;
  }
  return t_host.get();
}

// finish: the hostent result or null with h_errno set, from an _r call's
// result code, in the calling thread.
hostent* finish(int rc, hostent* result, int herr) {
  if (rc == 0 && result) return result;
  h_errno = herr;
  return nullptr;
}

struct RResult {
  int rc;
  hostent* result;
  int herr;
};

}  // namespace

extern "C" {

int getaddrinfo(const char* node, const char* service, const struct addrinfo* hints, struct addrinfo** res) {
  if (numeric_host(node) && numeric_service(service)) return REAL(getaddrinfo)(node, service, hints, res);
  return offload(
      Hook::getaddrinfo, [&] { return REAL(getaddrinfo)(node, service, hints, res); },
      [=] { return REAL(getaddrinfo)(node, service, hints, res); });
}

int getnameinfo(const struct sockaddr* sa, socklen_t salen, char* host, socklen_t hostlen, char* serv,
                socklen_t servlen, int flags) {
  // Numbers only: formatting, no lookup.
  if ((!host || (flags & NI_NUMERICHOST)) && (!serv || (flags & NI_NUMERICSERV)))
    return REAL(getnameinfo)(sa, salen, host, hostlen, serv, servlen, flags);
  return offload(
      Hook::getnameinfo, [&] { return REAL(getnameinfo)(sa, salen, host, hostlen, serv, servlen, flags); },
      [=] { return REAL(getnameinfo)(sa, salen, host, hostlen, serv, servlen, flags); });
}

int gethostbyname_r(const char* name, struct hostent* ret, char* buf, size_t len, struct hostent** result, int* herr) {
  return offload(
      Hook::gethostbyname_r, [&] { return REAL(gethostbyname_r)(name, ret, buf, len, result, herr); },
      [=] { return REAL(gethostbyname_r)(name, ret, buf, len, result, herr); });
}

int gethostbyname2_r(const char* name, int af, struct hostent* ret, char* buf, size_t len, struct hostent** result,
                     int* herr) {
  return offload(
      Hook::gethostbyname2_r, [&] { return REAL(gethostbyname2_r)(name, af, ret, buf, len, result, herr); },
      [=] { return REAL(gethostbyname2_r)(name, af, ret, buf, len, result, herr); });
}

int gethostbyaddr_r(const void* addr, socklen_t alen, int type, struct hostent* ret, char* buf, size_t len,
                    struct hostent** result, int* herr) {
  return offload(
      Hook::gethostbyaddr_r, [&] { return REAL(gethostbyaddr_r)(addr, alen, type, ret, buf, len, result, herr); },
      [=] { return REAL(gethostbyaddr_r)(addr, alen, type, ret, buf, len, result, herr); });
}

struct hostent* gethostbyname(const char* name) {
  if (!gi::active(Hook::gethostbyname)) return REAL(gethostbyname)(name);
  HostBuffer* b = host_buffer();
  if (!b) return nullptr;
  auto r = offload(
      Hook::gethostbyname,
      [&] {
        return RResult{-1, REAL(gethostbyname)(name), h_errno};
      },
      [=] {
        RResult out{0, nullptr, 0};
        out.rc = REAL(gethostbyname_r)(name, &b->ent, b->buf, sizeof b->buf, &out.result, &out.herr);
        return out;
      });
  return r.rc == -1 ? r.result : finish(r.rc, r.result, r.herr);
}

struct hostent* gethostbyname2(const char* name, int af) {
  if (!gi::active(Hook::gethostbyname2)) return REAL(gethostbyname2)(name, af);
  HostBuffer* b = host_buffer();
  if (!b) return nullptr;
  auto r = offload(
      Hook::gethostbyname2,
      [&] {
        return RResult{-1, REAL(gethostbyname2)(name, af), h_errno};
      },
      [=] {
        RResult out{0, nullptr, 0};
        out.rc = REAL(gethostbyname2_r)(name, af, &b->ent, b->buf, sizeof b->buf, &out.result, &out.herr);
        return out;
      });
  return r.rc == -1 ? r.result : finish(r.rc, r.result, r.herr);
}

struct hostent* gethostbyaddr(const void* addr, socklen_t len, int type) {
  if (!gi::active(Hook::gethostbyaddr)) return REAL(gethostbyaddr)(addr, len, type);
  HostBuffer* b = host_buffer();
  if (!b) return nullptr;
  auto r = offload(
      Hook::gethostbyaddr,
      [&] {
        return RResult{-1, REAL(gethostbyaddr)(addr, len, type), h_errno};
      },
      [=] {
        RResult out{0, nullptr, 0};
        out.rc = REAL(gethostbyaddr_r)(addr, len, type, &b->ent, b->buf, sizeof b->buf, &out.result, &out.herr);
        return out;
      });
  return r.rc == -1 ? r.result : finish(r.rc, r.result, r.herr);
}

}  // extern "C"

// patch_demo — the same ordinary blocking code, run twice: unpatched (each
// worker blocks the thread: sequential) and after green::patch_all() (each
// blocking call parks only its greenlet: concurrent).
//
// Every worker does what a plain C program would: usleep, a TCP round trip
// (connect + write + read) to a small server this demo starts on 127.0.0.1,
// and getaddrinfo("localhost"). The server answers each request after a
// delay, one thread per connection, so the network wait is real waiting.
#include <arpa/inet.h>
#include <netdb.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <thread>
#include <vector>

#include "green/green.h"
#include "green/patch.h"

namespace {

constexpr int kWorkers = 8;
constexpr useconds_t kSleepUs = 100000;   // each worker's usleep
constexpr useconds_t kServerUs = 100000;  // the server's think time per request

// A one-request-per-connection server on an OS thread of its own (no hub:
// green leaves its calls alone). Returns the port.
int start_server() {
  int ls = ::socket(AF_INET, SOCK_STREAM, 0);
  sockaddr_in a{};
  a.sin_family = AF_INET;
  a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  socklen_t len = sizeof a;
  if (ls < 0 || ::bind(ls, reinterpret_cast<sockaddr*>(&a), len) != 0 || ::listen(ls, 64) != 0 ||
      ::getsockname(ls, reinterpret_cast<sockaddr*>(&a), &len) != 0) {
    std::perror("patch_demo: server");
    std::exit(1);
  }
  std::thread([ls] {
    for (;;) {
      int c = ::accept(ls, nullptr, nullptr);
      if (c < 0) continue;
      std::thread([c] {
        char buf[64];
        ssize_t n = ::read(c, buf, sizeof buf);
        ::usleep(kServerUs);
        if (n > 0 && ::write(c, buf, static_cast<size_t>(n)) != n) std::perror("patch_demo: server write");
        ::close(c);
      }).detach();
    }
  }).detach();
  return ntohs(a.sin_port);
}

// worker: plain blocking calls, nothing green about them.
int worker(int port) {
  ::usleep(kSleepUs);

  int s = ::socket(AF_INET, SOCK_STREAM, 0);
  sockaddr_in a{};
  a.sin_family = AF_INET;
  a.sin_port = htons(static_cast<uint16_t>(port));
  a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  char reply[8] = {};
  bool ok = ::connect(s, reinterpret_cast<sockaddr*>(&a), sizeof a) == 0 && ::write(s, "ping", 4) == 4 &&
            ::read(s, reply, sizeof reply) == 4;
  ::close(s);

  addrinfo hints{};
  hints.ai_socktype = SOCK_STREAM;
  addrinfo* res = nullptr;
  ok = ok && ::getaddrinfo("localhost", "80", &hints, &res) == 0;
  if (res) ::freeaddrinfo(res);
  return ok ? 1 : 0;
}

double run(int port) {
  auto t0 = std::chrono::steady_clock::now();
  std::vector<green::Greenlet<int>> gs;
  for (int i = 0; i < kWorkers; ++i) gs.push_back(green::spawn(worker, port));
  green::joinall(gs);
  int ok = 0;
  for (auto& g : gs) ok += g.get();
  if (ok != kWorkers) {
    std::fprintf(stderr, "patch_demo: only %d of %d workers succeeded\n", ok, kWorkers);
    std::exit(1);
  }
  return std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
}

}  // namespace

int main() {
  int port = start_server();
  std::printf(
      "%d workers, each: usleep(%u ms), a TCP round trip to 127.0.0.1:%d (server waits %u ms), "
      "getaddrinfo(\"localhost\")\n",
      kWorkers, kSleepUs / 1000, port, kServerUs / 1000);

  double plain = run(port);
  std::printf("unpatched: %.2f s  (each blocking call blocks the whole thread)\n", plain);

  green::patch_all();
  double patched = run(port);
  std::printf("patched:   %.2f s  (green::patch_all(): blocking calls park only their greenlet)\n", patched);
  std::printf("speed-up:  %.1fx\n", plain / patched);
  return 0;
}

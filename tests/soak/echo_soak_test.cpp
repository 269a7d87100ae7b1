// echo_soak_test.cpp — many connections through a green echo server, with
// everything that goes wrong in real traffic: random payload sizes and
// delays, clients that close mid-stream, reset (RST), time out or are killed.
//
// Checked: every byte a client reads back is the byte it sent (checksums of
// what was sent against what came back, per exchange), clients that run
// normally complete every exchange, and after each round no greenlet, watcher,
// stack or fd is left; the resident set stays flat after the warm-up rounds.
//
// Sizes: GREEN_SOAK_ROUNDS (default 3) rounds of GREEN_SOAK_CONNECTIONS
// (default 1000) concurrent connections; the build option GREEN_SOAK_LONG
// raises the default to 40 rounds. GREEN_SOAK_SEED picks the random seed (it
// is printed, so a failure can be replayed).
#include <arpa/inet.h>
#include <dirent.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <random>
#include <string>
#include <system_error>
#include <vector>

#include "fixture.h"

#ifndef GREEN_SOAK_DEFAULT_ROUNDS
#define GREEN_SOAK_DEFAULT_ROUNDS 3
#endif

namespace green_test {
namespace {

unsigned long env_number(const char* name, unsigned long fallback) {
  const char* v = std::getenv(name);
  return v && *v ? std::strtoul(v, nullptr, 10) : fallback;
}

std::size_t open_fds() {
  std::size_t n = 0;
  if (DIR* d = ::opendir("/proc/self/fd")) {
    while (::readdir(d)) ++n;
    ::closedir(d);
  }
  return n;
}

long rss_kib() {
  long pages = 0, resident = 0;
  if (FILE* f = std::fopen("/proc/self/statm", "r")) {
    if (std::fscanf(f, "%ld %ld", &pages, &resident) != 2) resident = 0;
    std::fclose(f);
  }
  return resident * (::sysconf(_SC_PAGESIZE) / 1024);
}

std::uint64_t fnv1a(const unsigned char* p, std::size_t n, std::uint64_t h = 1469598103934665603ull) {
  for (std::size_t i = 0; i < n; ++i) h = (h ^ p[i]) * 1099511628211ull;
  return h;
}

// Fd: closed at scope exit — also when a kill or a Timeout unwinds the greenlet.
struct Fd {
  int fd = -1;
  explicit Fd(int f) : fd(f) {}
  ~Fd() {
    if (fd >= 0) {
      green::notify_close(fd);
      ::close(fd);
    }
  }
  Fd(const Fd&) = delete;
  Fd& operator=(const Fd&) = delete;
};

int nonblocking_socket() {
  int fd = ::socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
  if (fd < 0) throw std::system_error(errno, std::generic_category(), "socket");
  return fd;
}

// send_all / recv_some: green waits around non-blocking calls. recv_some
// returns 0 on EOF, -1 (errno) on an error such as ECONNRESET.
ssize_t send_all(int fd, const unsigned char* p, std::size_t n) {
  std::size_t done = 0;
  while (done < n) {
    ssize_t w = ::send(fd, p + done, n - done, MSG_NOSIGNAL);
    if (w > 0) {
      done += static_cast<std::size_t>(w);
    } else if (errno == EAGAIN || errno == EWOULDBLOCK) {
      green::wait_write(fd);
    } else if (errno != EINTR) {
      return -1;
    }
  }
  return static_cast<ssize_t>(done);
}

ssize_t recv_some(int fd, unsigned char* p, std::size_t n) {
  for (;;) {
    ssize_t r = ::recv(fd, p, n, 0);
    if (r >= 0) return r;
    if (errno == EAGAIN || errno == EWOULDBLOCK) {
      green::wait_read(fd);
    } else if (errno != EINTR) {
      return -1;
    }
  }
}

// EchoServer: an acceptor greenlet, one greenlet per connection.
class EchoServer {
 public:
  explicit EchoServer(unsigned seed) : listener_(nonblocking_socket()), rng_(seed) {
    int one = 1;
    ::setsockopt(listener_.fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
    sockaddr_in a{};
    a.sin_family = AF_INET;
    a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    socklen_t len = sizeof a;
    if (::bind(listener_.fd, reinterpret_cast<sockaddr*>(&a), sizeof a) != 0 || ::listen(listener_.fd, 4096) != 0 ||
        ::getsockname(listener_.fd, reinterpret_cast<sockaddr*>(&a), &len) != 0)
      throw std::system_error(errno, std::generic_category(), "listen");
    addr_ = a;
    acceptor_ = green::spawn_with({.name = "acceptor"}, [this] { accept_loop(); });
  }
  ~EchoServer() {
    acceptor_.kill();
    green::killall(handlers_);
  }
  const sockaddr_in& addr() const { return addr_; }
  std::size_t handlers_alive() const {
    std::size_t n = 0;
    for (auto& h : handlers_) n += h.ready() ? 0 : 1;
    return n;
  }
  void forget_finished() {
    std::erase_if(handlers_, [](const auto& h) { return h.ready(); });
  }

 private:
  void accept_loop() {
    for (;;) {
      int fd = ::accept4(listener_.fd, nullptr, nullptr, SOCK_NONBLOCK | SOCK_CLOEXEC);
      if (fd < 0) {
        if (errno == EAGAIN || errno == EWOULDBLOCK || errno == EINTR || errno == ECONNABORTED) {
          green::wait_read(listener_.fd);
          continue;
        }
        throw std::system_error(errno, std::generic_category(), "accept");
      }
      bool pause = rng_() % 8 == 0;
      handlers_.push_back(green::spawn([fd, pause] { echo(fd, pause); }));
    }
  }
  static void echo(int raw, bool pause) {
    Fd fd(raw);
    std::vector<unsigned char> buf(16 * 1024);
    for (;;) {
      ssize_t r = recv_some(fd.fd, buf.data(), buf.size());
      if (r <= 0) return;  // EOF, or the client reset: both expected here
      if (pause) green::sleep(std::chrono::microseconds(200));
      if (send_all(fd.fd, buf.data(), static_cast<std::size_t>(r)) < 0) return;
    }
  }

  Fd listener_;
  std::mt19937 rng_;
  sockaddr_in addr_{};
  green::Greenlet<void> acceptor_;
  std::vector<green::Greenlet<void>> handlers_;
};

enum class Fate { normal, close_mid_stream, reset, timeout, killed };

struct Tally {
  std::size_t exchanges = 0;      // completed and verified
  std::size_t bytes = 0;          // echoed and verified
  std::size_t corrupt = 0;        // a byte came back wrong: must stay 0
  std::size_t normal_failed = 0;  // a normal client did not complete: must stay 0
};

// client: `exchanges` round trips of random payloads; the fate decides how it
// ends. Adds what it verified to `tally`.
void client(const sockaddr_in& addr, Fate fate, unsigned seed, int exchanges, Tally& tally) {
  std::mt19937 rng(seed);
  Fd fd(nonblocking_socket());
  if (::connect(fd.fd, reinterpret_cast<const sockaddr*>(&addr), sizeof addr) != 0) {
    if (errno != EINPROGRESS) throw std::system_error(errno, std::generic_category(), "connect");
    green::wait_write(fd.fd);
    int err = 0;
    socklen_t len = sizeof err;
    ::getsockopt(fd.fd, SOL_SOCKET, SO_ERROR, &err, &len);
    if (err != 0) throw std::system_error(err, std::generic_category(), "connect");
  }
  std::vector<unsigned char> out, in;
  int stop_at = fate == Fate::normal ? exchanges : static_cast<int>(rng() % static_cast<unsigned>(exchanges));
  for (int i = 0; i < exchanges; ++i) {
    std::size_t size = 1 + rng() % (rng() % 4 == 0 ? 65536 : 2048);
    out.resize(size);
    for (auto& b : out) b = static_cast<unsigned char>(rng());
    if (i == stop_at) {
      if (fate == Fate::reset) {
        linger l{1, 0};  // close with RST
        ::setsockopt(fd.fd, SOL_SOCKET, SO_LINGER, &l, sizeof l);
      }
      if (fate == Fate::close_mid_stream || fate == Fate::reset) {
        send_all(fd.fd, out.data(), size / 2 + 1);  // half a request, then go
        return;
      }
    }
    if (send_all(fd.fd, out.data(), size) < 0) break;
    in.resize(size);
    std::size_t got = 0;
    while (got < size) {
      ssize_t r = recv_some(fd.fd, in.data() + got, size - got);
      if (r <= 0) break;
      got += static_cast<std::size_t>(r);
    }
    if (fnv1a(in.data(), got) != fnv1a(out.data(), got)) ++tally.corrupt;
    if (got < size) break;
    ++tally.exchanges;
    tally.bytes += size;
    if (rng() % 4 == 0) green::sleep(std::chrono::microseconds(rng() % 2000));
  }
}

TEST(Soak, EchoThroughResetsTimeoutsAndKills) {
  const unsigned long rounds = env_number("GREEN_SOAK_ROUNDS", GREEN_SOAK_DEFAULT_ROUNDS);
  unsigned long conns = env_number("GREEN_SOAK_CONNECTIONS", 1000);
  const unsigned seed = static_cast<unsigned>(env_number("GREEN_SOAK_SEED", 20240611));
  // Two fds per connection (client and server side) plus the process's own.
  rlimit rl{};
  ::getrlimit(RLIMIT_NOFILE, &rl);
  if (rl.rlim_cur < 2 * conns + 64) {
    rl.rlim_cur = std::min<rlim_t>(rl.rlim_max, 2 * conns + 64);
    ::setrlimit(RLIMIT_NOFILE, &rl);
  }
  if (rl.rlim_cur < 2 * conns + 64) conns = (rl.rlim_cur - 64) / 2;
  std::printf("soak: %lu rounds x %lu connections, seed %u (GREEN_SOAK_SEED to replay)\n", rounds, conns, seed);

  green::sleep(0ms);  // the hub (and its loop's fds) exist before the count
  const std::size_t fds_before = open_fds();
  std::mt19937 rng(seed);
  Tally tally;
  long rss_after_warmup = 0;
  {
    EchoServer server(seed);
    for (unsigned long round = 0; round < rounds; ++round) {
      std::vector<green::Greenlet<void>> clients;
      std::vector<green::Greenlet<void>> to_kill;
      for (unsigned long c = 0; c < conns; ++c) {
        unsigned roll = rng() % 20;
        Fate fate = roll < 13   ? Fate::normal
                    : roll < 15 ? Fate::close_mid_stream
                    : roll < 17 ? Fate::reset
                    : roll < 19 ? Fate::timeout
                                : Fate::killed;
        unsigned client_seed = static_cast<unsigned>(rng());
        int exchanges = 1 + static_cast<int>(rng() % 6);
        auto timeout = std::chrono::microseconds(500 + rng() % 5000);
        auto g = green::spawn([&, fate, client_seed, exchanges, timeout] {
          if (fate == Fate::timeout) {
            try {
              green::Timeout t(timeout);
              client(server.addr(), fate, client_seed, exchanges, tally);
            } catch (const green::Timeout&) {
            }
            return;
          }
          Tally mine;
          client(server.addr(), fate, client_seed, exchanges, mine);
          tally.exchanges += mine.exchanges;
          tally.bytes += mine.bytes;
          tally.corrupt += mine.corrupt;
          if (fate == Fate::normal && mine.exchanges != static_cast<std::size_t>(exchanges)) ++tally.normal_failed;
        });
        if (fate == Fate::killed) to_kill.push_back(g);
        clients.push_back(std::move(g));
      }
      // The killer: each doomed client dies after a random short delay.
      auto killer = green::spawn([&] {
        for (auto& g : to_kill) {
          green::sleep(std::chrono::microseconds(rng() % 300));
          g.kill(nullptr, false);
        }
      });
      green::joinall(clients);
      killer.join();
      for (auto& g : clients) ASSERT_TRUE(g.successful()) << "a client failed: see its report above";
      // Server handlers end on the clients' EOF/RST; give them the time to.
      for (int i = 0; i < 2000 && server.handlers_alive() != 0; ++i) green::sleep(1ms);
      ASSERT_EQ(server.handlers_alive(), 0u) << "server handlers still alive after round " << round;
      server.forget_finished();
      green::HubStats s = green::hub_stats();
      EXPECT_EQ(s.live_greenlets, 1u) << "only the acceptor may be left";
      EXPECT_EQ(s.active_watchers, 1u) << "only the acceptor's fd watch may be armed";
      EXPECT_EQ(open_fds(), fds_before + 1) << "only the listening socket may be open";
      if (round + 1 == std::min<unsigned long>(2, rounds)) rss_after_warmup = rss_kib();
    }
  }
  green::HubStats s = green::hub_stats();
  EXPECT_EQ(s.live_greenlets, 0u);
  EXPECT_EQ(s.active_watchers, 0u);
  EXPECT_EQ(s.stacks_in_use, 0u);
  EXPECT_EQ(open_fds(), fds_before);
  EXPECT_EQ(tally.corrupt, 0u) << "bytes came back different from what was sent";
  EXPECT_EQ(tally.normal_failed, 0u) << "clients without trouble of their own did not complete";
  EXPECT_GT(tally.exchanges, conns * rounds / 2);
  long rss_end = rss_kib();
  std::printf("soak: %zu exchanges, %zu bytes verified; RSS %ld KiB after warm-up, %ld KiB at the end\n",
              tally.exchanges, tally.bytes, rss_after_warmup, rss_end);
  // Flat: pooled stacks and buffers are reused, so later rounds add nothing.
  // (Not under ASan: its quarantine holds freed memory back on purpose.)
#if !defined(__SANITIZE_ADDRESS__)
  EXPECT_LT(rss_end, rss_after_warmup + rss_after_warmup / 4 + 8 * 1024) << "RSS grew after warm-up";
#endif
}

}  // namespace
}  // namespace green_test

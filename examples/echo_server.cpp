// echo_server — a StreamServer that echoes every byte back, one greenlet per
// connection, at most --max-connections at once (a green::Pool: while it is
// full, new connections wait in the kernel's backlog).
//
//   echo_server [PORT] [--max-connections N]   serve on 127.0.0.1:PORT until killed
//                                              (PORT 0: pick one; the first line
//                                              printed is "listening on 127.0.0.1:P")
//   echo_server --selftest N                   serve on a free port, connect N clients
//                                              at once from this process, check every
//                                              byte, stop; exit status 0 when all matched
//
//   $ echo_server 7000 &  printf 'hi\n' | nc -q1 127.0.0.1 7000
#include <green/green.h>

#include <sys/resource.h>

#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <string>
#include <vector>

using namespace std::chrono_literals;

namespace {

void echo(green::Socket s, const green::Address&) {
  char buf[16384];
  try {
    while (std::size_t n = s.recv(buf, sizeof buf)) s.send_all(buf, n, 30s);
  } catch (const std::system_error&) {
    // The peer reset the connection or stopped reading: drop it quietly.
  }
}

// raise_fd_limit: each connection holds an fd; use as many as allowed.
void raise_fd_limit() {
  rlimit rl{};
  if (::getrlimit(RLIMIT_NOFILE, &rl) == 0 && rl.rlim_cur < rl.rlim_max) {
    rl.rlim_cur = rl.rlim_max;
    ::setrlimit(RLIMIT_NOFILE, &rl);
  }
}

// selftest: N clients connect at once (all connected before any sends), each
// sends a distinct message and checks the echo byte for byte.
int selftest(int clients) {
  green::Pool pool(static_cast<std::size_t>(clients));
  green::StreamServer server(green::Address::tcp("127.0.0.1", 0), echo, &pool, clients);
  server.start();
  green::Event all_connected;
  int connected = 0, ok = 0;
  std::vector<green::Greenlet<void>> gs;
  for (int i = 0; i < clients; ++i) {
    gs.push_back(green::spawn([&, i] {
      try {
        green::Socket c = green::Socket::connect(server.address(), 10s);
        if (++connected == clients) all_connected.set();
        all_connected.wait(10s);
        std::string msg = "client " + std::to_string(i) + " says " + std::string(static_cast<std::size_t>(i % 97), '*');
        c.send_all(msg, 10s);
        if (c.recv_exact(msg.size(), 10s) == msg) ++ok;
      } catch (const std::exception& e) {
        std::fprintf(stderr, "client %d: %s\n", i, e.what());
      }
    }));
  }
  green::joinall(gs);
  server.stop(5s);
  std::printf("selftest: %d clients, %d connected at once, %d echoed intact\n", clients, connected, ok);
  return ok == clients ? 0 : 1;
}

}  // namespace

int main(int argc, char** argv) {
  raise_fd_limit();
  int port = 7000;
  std::size_t max_connections = 10000;
  for (int i = 1; i < argc; ++i) {
    if (!std::strcmp(argv[i], "--selftest") && i + 1 < argc) return selftest(std::atoi(argv[++i]));
    if (!std::strcmp(argv[i], "--max-connections") && i + 1 < argc) {
      max_connections = static_cast<std::size_t>(std::atol(argv[++i]));
    } else {
      port = std::atoi(argv[i]);
    }
  }
  if (port < 0 || port > 65535 || max_connections == 0) {
    std::fprintf(stderr, "usage: echo_server [PORT] [--max-connections N] | --selftest N\n");
    return 2;
  }
  green::Pool pool(max_connections);
  green::StreamServer server(green::Address::tcp("127.0.0.1", static_cast<std::uint16_t>(port)), echo, &pool, 4096);
  try {
    server.start();
  } catch (const std::exception& e) {
    std::fprintf(stderr, "echo_server: %s\n", e.what());
    return 1;
  }
  std::printf("listening on %s (at most %zu connections)\n", server.address().to_string().c_str(), max_connections);
  std::fflush(stdout);
  server.serve_forever();
}

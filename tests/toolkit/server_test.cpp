// server_test.cpp — green/server.h: StreamServer.
#include "green/server.h"

#include <sys/resource.h>
#include <sys/stat.h>

#include <algorithm>
#include <string>
#include <system_error>
#include <vector>

#include "green/pool.h"
#include "net.h"
#include "toolkit_fixture.h"

namespace toolkit_test {
namespace {

using ServerTest = ToolkitTest;

void echo(green::Socket s, const green::Address&) {
  char buf[4096];
  while (std::size_t n = s.recv(buf, sizeof buf, 5s)) s.send_all(buf, n, 5s);
}

// echo_once: connect, send `text`, read it back.
std::string echo_once(const green::Address& a, const std::string& text) {
  green::Socket c = green::Socket::connect(a, 5s);
  c.send_all(text, 5s);
  return c.recv_exact(text.size(), 5s);
}

TEST_F(ServerTest, TcpEchoOnAnEphemeralPort) {
  green::StreamServer server(green::Address::tcp("127.0.0.1", 0), echo);
  EXPECT_FALSE(server.started());
  server.start();
  EXPECT_NE(server.address().port(), 0);
  EXPECT_EQ(echo_once(server.address(), "ping"), "ping");
  EXPECT_EQ(echo_once(server.address(), "pong"), "pong");
  EXPECT_EQ(server.accepted(), 2u);
  EXPECT_TRUE(server.stop(5s));
  EXPECT_TRUE(server.closed());
}

TEST_F(ServerTest, UnixSocketServerRemovesItsFileOnStop) {
  const std::string path = unix_path("server");
  green::StreamServer server(green::Address::unix_path(path), [](green::Socket s, const green::Address& peer) {
    EXPECT_TRUE(peer.is_unix());
    echo(std::move(s), peer);
  });
  server.start();
  struct stat st;
  EXPECT_EQ(::stat(path.c_str(), &st), 0);
  EXPECT_EQ(echo_once(server.address(), "over unix"), "over unix");
  EXPECT_TRUE(server.stop(5s));
  EXPECT_NE(::stat(path.c_str(), &st), 0);
}

TEST_F(ServerTest, PoolBoundsConnectionsExactlyAndStopsAccepting) {
  green::Pool pool(3);
  green::Event release;
  int active = 0, peak = 0, served = 0;
  green::StreamServer server(
      green::Address::tcp("127.0.0.1", 0),
      [&](green::Socket s, const green::Address&) {
        peak = std::max(peak, ++active);
        release.wait();
        --active;
        ++served;
        s.send_all("x", 5s);
      },
      &pool);
  server.start();
  std::vector<green::Greenlet<std::string>> clients;
  for (int i = 0; i < 7; ++i)
    clients.push_back(green::spawn([&] {
      green::Socket c = green::Socket::connect(server.address(), 5s);
      return c.recv_exact(1, 5s);
    }));
  EXPECT_TRUE(eventually([&] { return active == 3; }));
  for (int i = 0; i < 5; ++i) green::sleep(2ms);  // time for a wrong fourth accept
  EXPECT_EQ(active, 3);
  EXPECT_EQ(server.accepted(), 3u) << "the server accepted while its pool was full";
  release.set();
  for (auto& c : clients) EXPECT_EQ(c.get(), "x");
  EXPECT_EQ(peak, 3);
  EXPECT_EQ(served, 7);
  EXPECT_EQ(server.accepted(), 7u);
  EXPECT_TRUE(server.stop(5s));
}

TEST_F(ServerTest, StopWithLiveConnectionsKillsHandlersAfterTheTimeout) {
  int killed = 0, started = 0;
  green::StreamServer server(green::Address::tcp("127.0.0.1", 0), [&](green::Socket s, const green::Address&) {
    ++started;
    try {
      char c;
      s.recv(&c, 1);  // the client never sends
    } catch (const green::GreenletExit&) {
      ++killed;
      throw;
    }
  });
  server.start();
  std::vector<green::Socket> clients;
  for (int i = 0; i < 4; ++i) clients.push_back(green::Socket::connect(server.address(), 5s));
  ASSERT_TRUE(eventually([&] { return started == 4; }));
  EXPECT_FALSE(server.stop(30ms));
  EXPECT_EQ(killed, 4);
  EXPECT_EQ(server.group().size(), 0u);
  // Each handler's socket was closed: the clients see end of stream.
  for (auto& c : clients) {
    char b;
    EXPECT_EQ(c.recv(&b, 1, 5s), 0u);
  }
  // And nothing listens any more.
  EXPECT_THROW(green::Socket::connect(server.address(), 5s), std::system_error);
}

TEST_F(ServerTest, GracefulStopWaitsForHandlersThatFinish) {
  bool finished = false;
  green::StreamServer server(green::Address::tcp("127.0.0.1", 0), [&](green::Socket s, const green::Address&) {
    green::sleep(20ms);
    s.send_all("bye", 5s);
    finished = true;
  });
  server.start();
  green::Socket c = green::Socket::connect(server.address(), 5s);
  ASSERT_TRUE(eventually([&] { return server.group().size() == 1; }));
  EXPECT_TRUE(server.stop(5s));
  EXPECT_TRUE(finished);
  EXPECT_EQ(c.recv_exact(3, 5s), "bye");
}

TEST_F(ServerTest, ServeForeverReturnsAfterStopAndStopsWhenKilled) {
  green::StreamServer server(green::Address::tcp("127.0.0.1", 0), echo);
  auto runner = green::spawn([&] { server.serve_forever(); });
  settle();
  EXPECT_TRUE(server.started());
  EXPECT_EQ(echo_once(server.address(), "a"), "a");
  server.stop(5s);
  EXPECT_TRUE(runner.join(5s));
  EXPECT_TRUE(runner.successful());

  green::StreamServer second(green::Address::tcp("127.0.0.1", 0), echo);
  auto killed = green::spawn([&] { second.serve_forever(); });
  settle();
  killed.kill();
  EXPECT_TRUE(second.closed());
}

TEST_F(ServerTest, AFailingHandlerDoesNotStopTheServer) {
  int n = 0;
  green::StreamServer server(green::Address::tcp("127.0.0.1", 0), [&](green::Socket s, const green::Address& p) {
    if (++n == 1) throw std::runtime_error("handler failed on purpose");
    echo(std::move(s), p);
  });
  server.start();
  testing::internal::CaptureStderr();
  {
    green::Socket c = green::Socket::connect(server.address(), 5s);
    char b;
    EXPECT_EQ(c.recv(&b, 1, 5s), 0u);
  }
  std::string err = testing::internal::GetCapturedStderr();
  EXPECT_NE(err.find("handler failed on purpose"), std::string::npos) << err;
  EXPECT_EQ(echo_once(server.address(), "still here"), "still here");
  server.stop(5s);
}

TEST_F(ServerTest, BadUseIsReportedClearly) {
  Listener taken;
  green::StreamServer clash(taken.address(), echo);
  try {
    clash.start();
    ADD_FAILURE() << "bound a port in use";
  } catch (const std::system_error& e) {
    EXPECT_EQ(e.code().value(), EADDRINUSE);
    EXPECT_NE(std::string(e.what()).find(taken.address().to_string()), std::string::npos) << e.what();
  }
  EXPECT_FALSE(clash.started());
  green::StreamServer server(green::Address::tcp("127.0.0.1", 0), echo);
  server.start();
  EXPECT_THROW(server.start(), std::logic_error);
  EXPECT_THROW(green::StreamServer(green::Address::tcp("127.0.0.1", 0), nullptr), std::invalid_argument);
}

TEST_F(ServerTest, DestructorStopsAServerWithLiveConnections) {
  green::Socket c;
  {
    green::StreamServer server(green::Address::tcp("127.0.0.1", 0), echo);
    server.start();
    c = green::Socket::connect(server.address(), 5s);
    c.send_all("x", 5s);
    EXPECT_EQ(c.recv_exact(1, 5s), "x");
  }
  char b;
  EXPECT_EQ(c.recv(&b, 1, 5s), 0u);
}

// Out of fds: the acceptor reports it once, backs off instead of spinning,
// and serves the waiting connection when fds are available again.
TEST_F(ServerTest, RunningOutOfFdsBacksOffAndRecovers) {
  green::StreamServer server(green::Address::tcp("127.0.0.1", 0), echo);
  server.start();
  testing::internal::CaptureStderr();
  green::Socket c = green::Socket::connect(server.address(), 5s);
  rlimit saved{};
  ::getrlimit(RLIMIT_NOFILE, &saved);
  int lowest_free = ::dup(0);
  ::close(lowest_free);
  rlimit tight = saved;
  tight.rlim_cur = static_cast<rlim_t>(lowest_free);  // every fd below is in use: accept gets EMFILE
  ASSERT_EQ(::setrlimit(RLIMIT_NOFILE, &tight), 0);
  const auto before = green::hub_stats().switches;
  green::sleep(100ms);
  const auto switches = green::hub_stats().switches - before;
  ::setrlimit(RLIMIT_NOFILE, &saved);
  EXPECT_EQ(server.accepted(), 0u);
  EXPECT_LT(switches, 200u) << "the acceptor spins on EMFILE";
  c.send_all("back", 5s);
  EXPECT_EQ(c.recv_exact(4, 5s), "back");
  c.close();
  EXPECT_TRUE(server.stop(5s));
  std::string err = testing::internal::GetCapturedStderr();
  EXPECT_NE(err.find("Too many open files"), std::string::npos) << err;
  EXPECT_EQ(err.find("Too many open files"), err.rfind("Too many open files")) << "reported more than once: " << err;
}

class ServerInterrupt : public ToolkitTest, public testing::WithParamInterface<Interrupt> {};

TEST_P(ServerInterrupt, ServeForeverAndStopAreInterruptible) {
  green::StreamServer server(green::Address::tcp("127.0.0.1", 0), echo);
  EXPECT_TRUE(run_interrupted(GetParam(), [&] { server.serve_forever(); }));
  EXPECT_TRUE(server.closed());

  green::Event never;
  green::StreamServer busy(green::Address::tcp("127.0.0.1", 0), [&](green::Socket, const green::Address&) {
    try {
      never.wait();
    } catch (const green::GreenletExit&) {
    }
  });
  busy.start();
  green::Socket c = green::Socket::connect(busy.address(), 5s);
  ASSERT_TRUE(eventually([&] { return busy.group().size() == 1; }));
  EXPECT_TRUE(run_interrupted(GetParam(), [&] { busy.stop(); }));
  EXPECT_TRUE(busy.closed());
  EXPECT_FALSE(busy.stop(green::Duration::zero()));
}

INSTANTIATE_TEST_SUITE_P(All, ServerInterrupt, testing::Values(Interrupt::kill, Interrupt::timeout), name_of);

}  // namespace
}  // namespace toolkit_test

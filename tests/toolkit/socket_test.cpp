// socket_test.cpp — green/socket.h: Address and Socket.
#include "green/socket.h"

#include <fcntl.h>

#include <numeric>
#include <stdexcept>
#include <string>
#include <system_error>
#include <vector>

#include "net.h"
#include "toolkit_fixture.h"

namespace toolkit_test {
namespace {

using SocketTest = ToolkitTest;

// expect_errno: run f, expect std::system_error with `err` and `text` in what().
template <class F>
void expect_errno(int err, const std::string& text, F f) {
  try {
    f();
    ADD_FAILURE() << "no exception; expected errno " << err;
  } catch (const std::system_error& e) {
    EXPECT_EQ(e.code().value(), err) << e.what();
    EXPECT_NE(std::string(e.what()).find(text), std::string::npos) << e.what();
  }
}

TEST_F(SocketTest, AddressFormatsAndRejectsBadInputClearly) {
  EXPECT_EQ(green::Address::tcp("127.0.0.1", 80).to_string(), "127.0.0.1:80");
  EXPECT_EQ(green::Address::tcp("::1", 8080).to_string(), "[::1]:8080");
  EXPECT_EQ(green::Address::unix_path("/tmp/x.sock").to_string(), "unix:/tmp/x.sock");
  EXPECT_EQ(green::Address::tcp("127.0.0.1", 80).port(), 80);
  try {
    green::Address::tcp("localhost", 80);
    ADD_FAILURE() << "a host name was accepted";
  } catch (const std::invalid_argument& e) {
    EXPECT_NE(std::string(e.what()).find("\"localhost\" is not a numeric"), std::string::npos) << e.what();
  }
  EXPECT_THROW(green::Address::unix_path(std::string(200, 'x')), std::invalid_argument);
  EXPECT_THROW(green::Address::unix_path(""), std::invalid_argument);
}

TEST_F(SocketTest, TcpConnectSendAllAndRecvExactRoundTrip) {
  Listener l;
  auto server = green::spawn([&] {
    green::Socket c = l.accept();
    std::string got = c.recv_exact(5, 5s);
    c.send_all(got + "!", 5s);
  });
  green::Socket s = green::Socket::connect(l.address(), 5s);
  EXPECT_EQ(s.peer_address().to_string(), l.address().to_string());
  s.send_all("hello", 5s);
  EXPECT_EQ(s.recv_exact(6, 5s), "hello!");
  char b;
  EXPECT_EQ(s.recv(&b, 1, 5s), 0u);  // the server closed: end of stream
  server.get();
}

TEST_F(SocketTest, UnixPathConnectWorks) {
  Listener l(green::Address::unix_path(unix_path("sock")), 4);
  auto server = green::spawn([&] {
    green::Socket c = l.accept();
    char buf[16];
    std::size_t n = c.recv(buf, sizeof buf, 5s);
    c.send_all(buf, n, 5s);
  });
  green::Socket s = green::Socket::connect(l.address(), 5s);
  s.send_all("unix", 5s);
  EXPECT_EQ(s.recv_exact(4, 5s), "unix");
  server.get();
}

TEST_F(SocketTest, SendAllMovesMegabytesIntactWhileThePeerReadsSlowly) {
  auto [a, b] = socket_pair();
  std::vector<unsigned char> data(4 << 20);
  for (std::size_t i = 0; i < data.size(); ++i) data[i] = static_cast<unsigned char>(i * 7 + i / 251);
  auto reader = green::spawn([&, &b = b] {
    std::vector<unsigned char> got(data.size());
    std::size_t off = 0;
    while (off < got.size()) {
      std::size_t n = b.recv(got.data() + off, std::min<std::size_t>(3000, got.size() - off), 5s);
      if (n == 0) break;
      off += n;
    }
    return got == data;
  });
  a.send_all(data.data(), data.size(), 10s);
  EXPECT_TRUE(reader.get());
}

TEST_F(SocketTest, EveryCallTimesOutWithTimedOut) {
  auto [a, b] = socket_pair();
  char buf[8];
  expect_errno(ETIMEDOUT, "green::Socket::recv on fd", [&, &a = a] { a.recv(buf, sizeof buf, 20ms); });
  expect_errno(ETIMEDOUT, "recv", [&, &a = a] { a.recv_exact(buf, sizeof buf, 20ms); });
  expect_errno(ETIMEDOUT, "recv", [&, &a = a] { a.recv(buf, sizeof buf, green::Duration::zero()); });
  fill_send_buffer(a);
  expect_errno(ETIMEDOUT, "send", [&, &a = a] { a.send_all(std::string(100000, 'x'), 20ms); });
  expect_errno(ETIMEDOUT, "send", [&, &a = a] { a.send("x", 1, 20ms); });
}

// A recv whose last recv found nothing parks before trying (socket.cpp):
// data already queued, an end of stream and a zero timeout must still be seen
// as a first try would see them.
TEST_F(SocketTest, ARecvAfterOneThatWaitedSeesWhatIsAlreadyThere) {
  auto [a, b] = socket_pair();
  char buf[8];
  auto echo = green::spawn([&, &b = b] {
    char c;
    while (b.recv(&c, 1) == 1) b.send_all(std::string_view(&c, 1));
  });
  for (char c : std::string("0123456789")) {
    a.send_all(std::string_view(&c, 1));
    ASSERT_EQ(a.recv(buf, 1), 1u);  // waits: the echo has not run yet
    EXPECT_EQ(buf[0], c);
  }
  echo.kill();
  b.send_all("xyz");
  green::sleep(1ms);
  EXPECT_EQ(a.recv(buf, sizeof buf), 3u) << "data queued before the recv parked first";
  EXPECT_EQ(std::string(buf, 3), "xyz");
  b.send_all("q");
  EXPECT_EQ(a.recv(buf, sizeof buf, green::Duration::zero()), 1u) << "a zero timeout still takes what is there";
  b.close();
  EXPECT_EQ(a.recv(buf, sizeof buf), 0u) << "end of stream";
}

// In the hub (a link callback) nothing may park: a recv whose last recv waited
// must still take data that is already there rather than park first (found
// in review: it threw BlockingInHubError).
TEST_F(SocketTest, ARecvInTheHubTakesDataAlreadyThere) {
  auto [a, b] = socket_pair();
  char buf[8];
  auto reader = green::spawn([&, &a = a] { a.recv(buf, 1); });  // waits: nothing there yet
  green::sleep(1ms);
  b.send_all("1");
  reader.join();
  b.send_all("xy");
  std::size_t got = 0;
  std::string error;
  auto g = green::spawn([] {});
  g.rawlink([&, &a = a](const green::AnyGreenlet&) {
    try {
      got = a.recv(buf, sizeof buf);
    } catch (const std::exception& e) {
      error = e.what();
    }
  });
  g.join();
  green::sleep(0ms);
  EXPECT_EQ(got, 2u) << error;
}

TEST_F(SocketTest, RecvExactReportsEndOfStreamWithWhatArrived) {
  auto [a, b] = socket_pair();
  b.send_all("abc");
  b.close();
  char buf[10];
  try {
    a.recv_exact(buf, sizeof buf, 5s);
    ADD_FAILURE() << "no EndOfStream";
  } catch (const green::EndOfStream& e) {
    EXPECT_EQ(e.received(), 3u);
    EXPECT_EQ(std::string(buf, 3), "abc");
    EXPECT_NE(std::string(e.what()).find("after 3 of 10 bytes"), std::string::npos) << e.what();
  }
}

TEST_F(SocketTest, ConnectFailuresCarryErrnoAndAddress) {
  int port;
  {
    Listener l;  // a port nobody listens on once it is closed
    port = l.address().port();
  }
  expect_errno(ECONNREFUSED, "connect to 127.0.0.1:" + std::to_string(port),
               [&] { green::Socket::connect(green::Address::tcp("127.0.0.1", static_cast<std::uint16_t>(port)), 5s); });
  expect_errno(ENOENT, "connect to unix:/nonexistent/green.sock",
               [] { green::Socket::connect(green::Address::unix_path("/nonexistent/green.sock"), 5s); });
}

TEST_F(SocketTest, UnixConnectToAFullBacklogRetriesUntilItsTimeout) {
  Listener l(green::Address::unix_path(unix_path("full")), 0);
  std::vector<green::Socket> held;
  bool timed_out = false;
  for (int i = 0; i < 8 && !timed_out; ++i) {
    try {
      held.push_back(green::Socket::connect(l.address(), 30ms));
    } catch (const std::system_error& e) {
      EXPECT_EQ(e.code().value(), ETIMEDOUT) << e.what();
      timed_out = true;
    }
  }
  EXPECT_TRUE(timed_out);
  // Room in the backlog: the next connect succeeds.
  l.accept();
  green::Socket::connect(l.address(), 5s);
}

TEST_F(SocketTest, CloseFromAnotherGreenletWakesTheWaiterWithEbadf) {
  auto [a, b] = socket_pair();
  auto g = green::spawn([&, &a = a] {
    char c;
    expect_errno(EBADF, "closed while waiting", [&] { a.recv(&c, 1); });
  });
  settle();
  a.close();
  EXPECT_FALSE(a.is_open());
  g.get();
}

// The hub keeps a Socket's fd registered with the kernel between waits. Once
// the number names another file — after close(), or after release() and a
// raw ::close() green never saw — a wait on the new file must still wake.
TEST_F(SocketTest, AReusedFdNumberIsWatchedAnew) {
  for (bool raw_close : {false, true}) {
    SCOPED_TRACE(raw_close ? "released and closed with ::close" : "closed with Socket::close");
    int sv[2];
    ASSERT_EQ(::socketpair(AF_UNIX, SOCK_STREAM, 0, sv), 0);
    green::Socket a(sv[0]);
    green::Socket peer(sv[1]);
    auto writer = green::spawn([&] {
      green::sleep(20ms);
      peer.send_all("1", 5s);
    });
    EXPECT_EQ(a.recv_exact(1, 5s), "1");  // parked: the number is now registered
    writer.join();
    const int number = a.fd();
    if (raw_close) {
      ::close(a.release());
    } else {
      a.close();
    }
    peer.close();
    // The lowest free numbers come back: the new pair reuses `number`.
    int nv[2];
    ASSERT_EQ(::socketpair(AF_UNIX, SOCK_STREAM, 0, nv), 0);
    const int mine = nv[0] == number ? 0 : 1;
    ASSERT_EQ(nv[mine], number) << "the fd number was not reused";
    green::Socket b(nv[mine]);
    green::Socket other(nv[1 - mine]);
    auto late = green::spawn([&] {
      green::sleep(20ms);
      other.send_all("2", 5s);
    });
    EXPECT_EQ(b.recv_exact(1, 2s), "2");  // a stale registration would time out here
    late.join();
  }
}

TEST_F(SocketTest, OwnershipMovesAndTheDestructorCloses) {
  int fd;
  {
    auto [a, b] = socket_pair();
    fd = a.fd();
    green::Socket moved = std::move(a);
    EXPECT_EQ(a.fd(), -1);
    EXPECT_EQ(moved.fd(), fd);
    EXPECT_TRUE(::fcntl(fd, F_GETFL) & O_NONBLOCK);
  }
  errno = 0;
  EXPECT_EQ(::fcntl(fd, F_GETFD), -1);
  EXPECT_EQ(errno, EBADF);
  expect_errno(EBADF, "non-blocking", [] { green::Socket s(1 << 20); });
  green::Socket empty;
  expect_errno(EBADF, "closed", [&] { empty.send_all("x"); });
}

class SocketInterrupt : public ToolkitTest, public testing::WithParamInterface<Interrupt> {};

TEST_P(SocketInterrupt, RecvSendAndConnectWaitsAreInterruptedWithoutLeavingAWatcher) {
  auto [a, b] = socket_pair();
  char buf[4];
  EXPECT_TRUE(run_interrupted(GetParam(), [&, &a = a] { a.recv(buf, sizeof buf); }));
  EXPECT_TRUE(run_interrupted(GetParam(), [&, &a = a] { a.recv_exact(buf, sizeof buf); }));
  fill_send_buffer(a);
  EXPECT_TRUE(run_interrupted(GetParam(), [&, &a = a] { a.send_all(std::string(100000, 'x')); }));
  // A connect that stays in progress: the Unix backlog is full.
  Listener l(green::Address::unix_path(unix_path("intr")), 0);
  std::vector<green::Socket> held;
  for (int i = 0; i < 4; ++i) {
    try {
      held.push_back(green::Socket::connect(l.address(), green::Duration::zero()));
    } catch (const std::system_error&) {
    }
  }
  EXPECT_TRUE(run_interrupted(GetParam(), [&] { green::Socket::connect(l.address()); }));
  // The socket still works afterwards: nothing was consumed by the interrupted waits.
  b.send_all("ok");
  EXPECT_EQ(a.recv_exact(2, 5s), "ok");
}

INSTANTIATE_TEST_SUITE_P(All, SocketInterrupt, testing::Values(Interrupt::kill, Interrupt::timeout), name_of);

}  // namespace
}  // namespace toolkit_test

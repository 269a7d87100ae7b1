// tls_timeout_test.cpp — green/tls.h: a TLS wait parks only its greenlet and
// ends as Socket's waits do: handshake and read timeouts (client and server
// side), kill and green::Timeout, close() from another greenlet, and a peer
// that drops the connection without close_notify, and one that is gone
// (EPIPE, never SIGPIPE).
#include <sys/socket.h>

#include <chrono>
#include <string>
#include <system_error>

#include "fixture.h"
#include "green/tls.h"
#include "net.h"
#include "tls_env.h"
#include "toolkit_fixture.h"

namespace toolkit_test {
namespace {

using TlsTimeoutTest = ToolkitTest;

// timed_out: the errc::timed_out message `f` throws ("(no timeout)" if none).
template <class F>
std::string timed_out(F f) {
  try {
    f();
  } catch (const std::system_error& e) {
    if (e.code() == std::errc::timed_out) return e.what();
    return std::string("other error: ") + e.what();
  }
  return "(no timeout)";
}

TEST_F(TlsTimeoutTest, HandshakeTimesOutAgainstAServerThatNeverSpeaksAndParksOnlyItsGreenlet) {
  Listener silent;
  green::Socket accepted;
  auto acceptor = green::spawn([&] { accepted = silent.accept(); });
  int ticks = 0;
  bool done = false;
  auto ticker = green::spawn([&] {
    while (!done && ticks < 10000) {
      green::sleep(5ms);
      ++ticks;
    }
  });
  const auto start = std::chrono::steady_clock::now();
  std::string what = timed_out(
      [&] { green::TlsSocket::connect(trusting_client(), silent.address(), "localhost", 300ms); });
  const long long ms = green_test::ms_since(start);
  done = true;
  ticker.join();
  acceptor.join();
  EXPECT_NE(what.find("green::TlsSocket::handshake with " + silent.address().to_string() + ": timed out"),
            std::string::npos)
      << what;
  EXPECT_GE(ms, 250);
  EXPECT_LT(ms, 5000);
  EXPECT_GE(ticks, 5);  // the hub kept running others while the handshake waited
  EXPECT_TRUE(accepted.is_open());
}

TEST_F(TlsTimeoutTest, ServerHandshakeTimeoutDropsASilentClient) {
  green::TlsStreamServer server(green::Address::tcp("127.0.0.1", 0), server_context(), tls_echo, nullptr, 200ms);
  server.start();
  green::Socket plain = green::Socket::connect(server.address(), 5s);  // connects, never says hello
  char c;
  // The server gives up on the handshake and closes: end of stream, not our 10 s timeout.
  EXPECT_EQ(plain.recv(&c, 1, 10s), 0u);
  EXPECT_TRUE(eventually([&] { return server.group().size() == 0; }));
  EXPECT_TRUE(server.stop(5s));
}

TEST_F(TlsTimeoutTest, ReadTimesOutAndTheConnectionStaysUsable) {
  green::Event go;
  green::TlsStreamServer server(green::Address::tcp("127.0.0.1", 0), server_context(),
                                [&](green::TlsSocket s, const green::Address& peer) {
                                  go.wait(10s);
                                  tls_echo(std::move(s), peer);
                                });
  server.start();
  auto s = green::TlsSocket::connect(trusting_client(), server.address(), "localhost", 10s);
  char buf[16];
  std::string what = timed_out([&] { s.recv(buf, sizeof buf, 200ms); });
  EXPECT_NE(what.find("green::TlsSocket::recv with " + server.address().to_string() + ": timed out"), std::string::npos)
      << what;
  EXPECT_NE(timed_out([&] { s.recv(buf, sizeof buf, green::Duration::zero()); }).find("timed out"), std::string::npos);
  go.set();
  s.send_all("still here", 10s);
  EXPECT_EQ(s.recv_exact(10, 10s), "still here");
  s.shutdown(10s);
  EXPECT_TRUE(server.stop(5s));
}

class TlsInterruptTest : public ToolkitTest, public testing::WithParamInterface<Interrupt> {};

TEST_P(TlsInterruptTest, KillOrTimeoutInterruptsARecvAndLeavesNoWaiter) {
  green::Event release;
  green::TlsStreamServer server(green::Address::tcp("127.0.0.1", 0), server_context(),
                                [&](green::TlsSocket, const green::Address&) { release.wait(10s); });
  server.start();
  auto s = green::TlsSocket::connect(trusting_client(), server.address(), "localhost", 10s);
  EXPECT_TRUE(run_interrupted(GetParam(), [&] {
    char buf[16];
    s.recv(buf, sizeof buf);
  }));
  release.set();
  s.close();
  EXPECT_TRUE(server.stop(5s));
}

INSTANTIATE_TEST_SUITE_P(Both, TlsInterruptTest, testing::Values(Interrupt::kill, Interrupt::timeout), name_of);

TEST_F(TlsTimeoutTest, CloseFromAnotherGreenletWakesTheReaderWithEbadf) {
  green::Event release;
  green::TlsStreamServer server(green::Address::tcp("127.0.0.1", 0), server_context(),
                                [&](green::TlsSocket, const green::Address&) { release.wait(10s); });
  server.start();
  auto s = green::TlsSocket::connect(trusting_client(), server.address(), "localhost", 10s);
  auto reader = green::spawn([&]() -> int {
    char buf[16];
    try {
      s.recv(buf, sizeof buf, 10s);
    } catch (const std::system_error& e) {
      return e.code().value();
    }
    return 0;
  });
  settle();
  s.close();  // the reader still holds the TLS session: it is freed when the reader leaves
  EXPECT_EQ(reader.get(), EBADF);
  EXPECT_FALSE(s.is_open());
  release.set();
  EXPECT_TRUE(server.stop(5s));
}

TEST_F(TlsTimeoutTest, CloseBetweenAWakeAndItsResumptionIsSafe) {
  green::Event go;
  green::TlsStreamServer server(green::Address::tcp("127.0.0.1", 0), server_context(),
                                [&](green::TlsSocket s, const green::Address&) {
                                  go.wait(10s);
                                  s.send_all("x", 10s);
                                  go.clear();
                                  go.wait(10s);
                                });
  server.start();
  auto s = green::TlsSocket::connect(trusting_client(), server.address(), "localhost", 10s);
  // Both wake when the byte arrives; the closer runs first and closes the
  // socket under the reader, which has been woken but has not run yet.
  auto closer = green::spawn([&] {
    green::wait_read(s.fd(), 10s);
    s.close();
  });
  auto reader = green::spawn([&]() -> std::string {
    char buf[16];
    try {
      return std::string(buf, s.recv(buf, sizeof buf, 10s));
    } catch (const std::system_error& e) {
      return "error " + std::to_string(e.code().value());
    }
  });
  settle();
  go.set();
  closer.get();
  const std::string got = reader.get();
  EXPECT_TRUE(got == "error " + std::to_string(EBADF) || got == "x") << got;
  go.set();
  EXPECT_TRUE(server.stop(5s));
}

TEST_F(TlsTimeoutTest, PeerDroppingWithoutCloseNotifyIsAnErrorNotAnEnd) {
  green::TlsStreamServer server(green::Address::tcp("127.0.0.1", 0), server_context(),
                                [&](green::TlsSocket s, const green::Address&) {
                                  s.send_all("partial", 10s);
                                  ::shutdown(s.fd(), SHUT_RDWR);  // the TCP stream ends, TLS never said so
                                });
  server.start();
  auto s = green::TlsSocket::connect(trusting_client(), server.address(), "localhost", 10s);
  EXPECT_EQ(s.recv_exact(7, 10s), "partial");
  char buf[16];
  try {
    s.recv(buf, sizeof buf, 10s);
    ADD_FAILURE() << "a truncated stream read as a clean end";
  } catch (const green::TlsError& e) {
    EXPECT_NE(std::string(e.what()).find("without close_notify"), std::string::npos) << e.what();
  }
  EXPECT_TRUE(server.stop(5s));
}

TEST_F(TlsTimeoutTest, DroppingATlsSocketEndsTheStreamCleanly) {
  green::TlsStreamServer server(green::Address::tcp("127.0.0.1", 0), server_context(),
                                [&](green::TlsSocket s, const green::Address&) { s.send_all("bye", 10s); });
  server.start();
  auto s = green::TlsSocket::connect(trusting_client(), server.address(), "localhost", 10s);
  EXPECT_EQ(s.recv_exact(3, 10s), "bye");
  char buf[16];
  EXPECT_EQ(s.recv(buf, sizeof buf, 10s), 0u);  // the destructor's close_notify, not an unexpected eof
  EXPECT_TRUE(server.stop(5s));
}

TEST_F(TlsTimeoutTest, ASendCutShortByItsTimeoutRefusesFurtherSends) {
  green::Event release;
  green::TlsStreamServer server(green::Address::tcp("127.0.0.1", 0), server_context(),
                                [&](green::TlsSocket, const green::Address&) { release.wait(10s); });
  server.start();
  auto s = green::TlsSocket::connect(trusting_client(), server.address(), "localhost", 10s);
  const std::string big(8 << 20, 'x');  // more than both kernel buffers hold: the server never reads
  EXPECT_NE(timed_out([&] { s.send_all(big, 300ms); }).find("green::TlsSocket::send with"), std::string::npos);
  try {
    s.send_all("more", 1s);
    ADD_FAILURE() << "a send after an interrupted one went through";
  } catch (const green::TlsError& e) {
    EXPECT_NE(std::string(e.what()).find("an earlier send was interrupted"), std::string::npos) << e.what();
  }
  char buf[16];
  EXPECT_NE(timed_out([&] { s.recv(buf, sizeof buf, 50ms); }).find("timed out"),
            std::string::npos);  // reads still work
  release.set();
  EXPECT_TRUE(server.stop(5s));
}

TEST_F(TlsTimeoutTest, SendingToAPeerThatIsGoneThrowsInsteadOfRaisingSigpipe) {
  green::TlsStreamServer server(green::Address::tcp("127.0.0.1", 0), server_context(),
                                [&](green::TlsSocket s, const green::Address&) { ::shutdown(s.fd(), SHUT_RDWR); });
  server.start();
  auto s = green::TlsSocket::connect(trusting_client(), server.address(), "localhost", 10s);
  EXPECT_TRUE(eventually([&] { return server.group().size() == 0; }));
  const std::string block(16384, 'x');
  int err = 0;
  // The first sends may still be buffered; once the peer's reset is in, a
  // write fails: with EPIPE from send(MSG_NOSIGNAL), where write(2) would
  // have killed the process with SIGPIPE.
  for (int i = 0; i < 200 && err == 0; ++i) {
    try {
      s.send_all(block, 10s);
      green::sleep(1ms);
    } catch (const std::system_error& e) {
      err = e.code().value();
    }
  }
  EXPECT_TRUE(err == EPIPE || err == ECONNRESET) << err;
  EXPECT_TRUE(server.stop(5s));
}

}  // namespace
}  // namespace toolkit_test

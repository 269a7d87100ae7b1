// resolve_test.cpp — green/resolve.h: names to addresses on the thread pool,
// Address::resolve, Socket::connect(host, port). Only local names: no DNS.
#include "green/resolve.h"

#include <netdb.h>

#include <algorithm>
#include <string>

#include "fixture.h"
#include "net.h"
#include "toolkit_fixture.h"

namespace green_test {
namespace {

using Resolve = GreenTest;

TEST_F(Resolve, LocalhostResolvesToALoopbackAddress) {
  auto addrs = green::resolve("localhost", "8080");
  ASSERT_FALSE(addrs.empty());
  bool loopback = std::any_of(addrs.begin(), addrs.end(),
                              [](const green::Address& a) { return a.host() == "127.0.0.1" || a.host() == "::1"; });
  EXPECT_TRUE(loopback) << addrs[0].to_string();
  for (const auto& a : addrs) EXPECT_EQ(a.port(), 8080);
  auto v4 = green::Address::resolve("localhost", 81, AF_INET);
  ASSERT_FALSE(v4.empty());
  EXPECT_EQ(v4[0].to_string(), "127.0.0.1:81");
}

TEST_F(Resolve, NumericAddressesAndServiceNames) {
  auto a = green::resolve("127.0.0.1", "80");
  ASSERT_EQ(a.size(), 1u);
  EXPECT_EQ(a[0].to_string(), "127.0.0.1:80");
  try {
    green::resolve("127.0.0.1", "green-no-such-service");
    ADD_FAILURE() << "resolved";
  } catch (const green::ResolveError& e) {
    EXPECT_NE(std::string(e.what()).find("green-no-such-service"), std::string::npos) << e.what();
    EXPECT_EQ(e.code, EAI_SERVICE) << e.what();
  }
  EXPECT_THROW(green::resolve("", "80"), green::ResolveError);
}

TEST_F(Resolve, ConnectByNameToLocalhost) {
  toolkit_test::Listener l;
  std::string got;
  auto server = green::spawn([&] {
    green::Socket c = l.accept();
    got = c.recv_exact(5, 10s);
  });
  green::Socket s = green::Socket::connect("localhost", l.address().port(), 10s);
  s.send_all("hello", 10s);
  server.get(10s);
  EXPECT_EQ(got, "hello");
}

TEST_F(Resolve, ConnectByNameReportsTheRefusal) {
  std::uint16_t port;
  {
    toolkit_test::Listener l;  // a port nobody listens on once it is closed
    port = l.address().port();
  }
  try {
    green::Socket::connect("localhost", port, 10s);
    ADD_FAILURE() << "connected";
  } catch (const std::system_error& e) {
    EXPECT_EQ(e.code().value(), ECONNREFUSED) << e.what();
  }
}

}  // namespace
}  // namespace green_test

// datagram_server_test.cpp — green/datagram_server.h: DatagramServer (UDP).
#include "green/datagram_server.h"

#include <sys/socket.h>
#include <unistd.h>

#include <algorithm>
#include <cctype>
#include <chrono>
#include <set>
#include <stdexcept>
#include <string>
#include <system_error>
#include <vector>

#include "green/io.h"
#include "toolkit_fixture.h"

namespace toolkit_test {
namespace {

using DatagramServerTest = ToolkitTest;

// Client: a UDP socket on 127.0.0.1 whose receive parks through wait_read.
class Client {
 public:
  Client() : sock_(::socket(AF_INET, SOCK_DGRAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0)) {
    auto any = green::Address::tcp("127.0.0.1", 0);
    if (::bind(sock_.fd(), any.sockaddr_ptr(), any.length()) != 0) ADD_FAILURE() << "bind failed";
  }
  void send(const std::string& data, const green::Address& to) {
    EXPECT_EQ(::sendto(sock_.fd(), data.data(), data.size(), 0, to.sockaddr_ptr(), to.length()),
              static_cast<ssize_t>(data.size()));
  }
  // receive: one datagram, or "" when none came within 5 s.
  std::string receive() {
    char buf[2048];
    for (int i = 0; i < 100; ++i) {
      ssize_t n = ::recv(sock_.fd(), buf, sizeof buf, 0);
      if (n >= 0) return std::string(buf, static_cast<std::size_t>(n));
      if (!green::wait_read(sock_.fd(), 5s)) return "";
    }
    return "";
  }
  green::Address address() const { return sock_.local_address(); }

 private:
  green::Socket sock_;
};

std::string upper(std::string s) {
  for (char& c : s) c = static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
  return s;
}

TEST_F(DatagramServerTest, EchoesEachDatagramToItsSender) {
  std::vector<std::string> senders;
  green::DatagramServer server(green::Address::tcp("127.0.0.1", 0),
                               [&server, &senders](std::string data, const green::Address& from) {
                                 senders.push_back(from.to_string());
                                 server.sendto(upper(data), from, 5s);
                               });
  server.start();
  EXPECT_NE(server.address().port(), 0);
  Client client;
  for (std::string word : {"one", "two", "three"}) {
    client.send(word, server.address());
    EXPECT_EQ(client.receive(), upper(word));
  }
  EXPECT_EQ(server.received(), 3u);
  EXPECT_EQ(senders, std::vector<std::string>(3, client.address().to_string()));
  EXPECT_TRUE(server.stop(5s));
  EXPECT_THROW(server.sendto("late", client.address()), std::system_error);
}

// Each datagram gets its own greenlet: five slow handlers overlap.
TEST_F(DatagramServerTest, HandlersRunConcurrently) {
  green::DatagramServer server(green::Address::tcp("127.0.0.1", 0),
                               [&server](std::string data, const green::Address& from) {
                                 green::sleep(200ms);
                                 server.sendto(data, from, 5s);
                               });
  server.start();
  Client client;
  auto start = std::chrono::steady_clock::now();
  for (int i = 0; i < 5; ++i) client.send(std::to_string(i), server.address());
  std::set<std::string> got;
  for (int i = 0; i < 5; ++i) got.insert(client.receive());
  EXPECT_EQ(got, (std::set<std::string>{"0", "1", "2", "3", "4"}));
  EXPECT_LT(std::chrono::steady_clock::now() - start, 500ms) << "handlers ran one after another (sequential: 1000 ms)";
  server.stop(5s);
}

TEST_F(DatagramServerTest, BadInputIsRefusedClearly) {
  auto h = [](std::string, const green::Address&) {};
  EXPECT_THROW(green::DatagramServer(green::Address::unix_path("/nonexistent/x.sock"), h), std::invalid_argument);
  EXPECT_THROW(green::DatagramServer(green::Address::tcp("127.0.0.1", 0), nullptr), std::invalid_argument);
  green::DatagramServer server(green::Address::tcp("127.0.0.1", 0), h);
  server.start();
  EXPECT_THROW(server.start(), std::logic_error);
  green::DatagramServer clash(server.address(), h);
  EXPECT_THROW(clash.start(), std::system_error);
  server.stop();
}

}  // namespace
}  // namespace toolkit_test

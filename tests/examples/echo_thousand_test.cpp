// echo_thousand_test.cpp — the echo_server example (run as its own process)
// serves 1,000 concurrent connections from this test's client greenlets, with
// every byte echoed back intact.
#include <fcntl.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cstdio>
#include <string>
#include <vector>

#include "net.h"
#include "toolkit_fixture.h"

namespace toolkit_test {
namespace {

constexpr int kClients = 1000;

// Child: the example process, stopped by its pid whatever happens.
struct Child {
  pid_t pid = -1;
  int out = -1;  // read end of its stdout
  ~Child() {
    if (out >= 0) ::close(out);
    if (pid > 0) {
      ::kill(pid, SIGTERM);
      ::waitpid(pid, nullptr, 0);
    }
  }
};

// first_line: the child's first line of output (up to 10 s).
std::string first_line(int fd) {
  std::string line;
  char c;
  while (line.find('\n') == std::string::npos && line.size() < 512) {
    if (!green::wait_read(fd, 10s)) break;
    if (::read(fd, &c, 1) != 1) break;
    line += c;
  }
  return line;
}

using EchoExample = ToolkitTest;

TEST_F(EchoExample, ThousandConcurrentConnectionsEchoEveryByte) {
  const rlim_t limit = raise_nofile();
  if (limit < kClients + 200)
    GTEST_SKIP() << "RLIMIT_NOFILE hard limit " << limit << " is below the " << kClients + 200
                 << " fds this test needs";

  Child child;
  int p[2];
  ASSERT_EQ(::pipe2(p, O_CLOEXEC), 0);
  child.pid = ::fork();
  ASSERT_GE(child.pid, 0);
  if (child.pid == 0) {
    ::dup2(p[1], 1);
    ::execl(ECHO_SERVER_PATH, "echo_server", "0", "--max-connections", "2000", static_cast<char*>(nullptr));
    ::_exit(127);
  }
  ::close(p[1]);
  child.out = p[0];
  std::string line = first_line(child.out);
  std::size_t colon = line.rfind("127.0.0.1:");
  ASSERT_NE(colon, std::string::npos) << "echo_server printed: " << line;
  const auto port = static_cast<std::uint16_t>(std::stoi(line.substr(colon + 10)));
  const green::Address server = green::Address::tcp("127.0.0.1", port);

  int connected = 0, intact = 0;
  std::size_t bytes = 0;
  green::Event all_connected;
  std::vector<green::Greenlet<void>> clients;
  for (int i = 0; i < kClients; ++i) {
    clients.push_back(green::spawn([&, i] {
      try {
        green::Socket c = green::Socket::connect(server, 10s);
        if (++connected == kClients) all_connected.set();
        all_connected.wait(20s);  // every connection is open before any data moves
        std::string msg(static_cast<std::size_t>(1 + (i * 7919) % 6000), '\0');
        for (std::size_t k = 0; k < msg.size(); ++k)
          msg[k] = static_cast<char>((k * 31 + static_cast<std::size_t>(i)) & 0xff);
        c.send_all(msg, 20s);
        if (c.recv_exact(msg.size(), 20s) == msg) {
          ++intact;
          bytes += msg.size();
        }
      } catch (const std::exception& e) {
        ADD_FAILURE() << "client " << i << ": " << e.what();
      }
    }));
  }
  green::joinall(clients);
  EXPECT_EQ(connected, kClients);
  EXPECT_TRUE(all_connected.is_set());
  EXPECT_EQ(intact, kClients);
  RecordProperty("bytes_echoed", std::to_string(bytes));
}

}  // namespace
}  // namespace toolkit_test

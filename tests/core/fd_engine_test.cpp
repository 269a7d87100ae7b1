// fd_engine_test.cpp — the one fd-wait engine (core/fd_engine.h) seen through
// the public calls built on it: several waits on one fd at once (one holds
// the fd's reusable watch, the others bring their own), and notify_close
// reaching each of them.
#include <fcntl.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <string>
#include <utility>
#include <vector>

#include "fixture.h"
#include "green/io.h"
#include "green/select.h"

namespace green_test {
namespace {

using FdEngine = GreenTest;

struct Pipe {
  int r = -1, w = -1;
  Pipe() {
    int fds[2];
    EXPECT_EQ(::pipe2(fds, O_NONBLOCK | O_CLOEXEC), 0);
    r = fds[0];
    w = fds[1];
  }
  Pipe(const Pipe&) = delete;
  Pipe& operator=(const Pipe&) = delete;
  ~Pipe() {
    if (r >= 0) ::close(r);
    if (w >= 0) ::close(w);
  }
};

TEST_F(FdEngine, WaitFdAndPollOnOneFdAreBothWoken) {
  Pipe p;
  Log log;
  auto a = green::spawn([&] { log("wait_fd " + std::to_string(green::wait_fd(p.r, green::READ, 5s))); });
  auto b = green::spawn([&] {
    green::PollFd fds[] = {{p.r, green::READ, 0}, {p.r, green::READ, 0}};
    std::size_t n = green::poll_fds(fds, 5s);
    log("poll " + std::to_string(n) + " " + std::to_string(fds[0].revents) + std::to_string(fds[1].revents));
  });
  auto writer = green::spawn([&] {
    green::sleep(10ms);
    ASSERT_EQ(::write(p.w, "x", 1), 1);
  });
  green::joinall(std::vector{a, b, writer});
  std::sort(log.entries.begin(), log.entries.end());  // libev's order among one fd's watches is its own
  EXPECT_EQ(log.entries, (std::vector<std::string>{"poll 2 11", "wait_fd 1"}));
}

TEST_F(FdEngine, NotifyCloseReachesEveryWaitOnTheFd) {
  Pipe p, q;
  Log log;
  auto a = green::spawn([&] {
    int r = green::wait_fd(p.r, green::READ, 5s);
    log(r == -1 && errno == EBADF ? "wait_fd EBADF" : "wait_fd " + std::to_string(r));
  });
  auto b = green::spawn([&] {
    green::PollFd fds[] = {{p.r, green::READ, 0}, {q.r, green::READ, 0}, {p.r, green::READ, 0}};
    std::size_t n = green::poll_fds(fds, 5s);
    log("poll " + std::to_string(n) + " " + std::to_string(fds[0].revents) + std::to_string(fds[1].revents) +
        std::to_string(fds[2].revents));
  });
  auto closer = green::spawn([&] {
    green::sleep(10ms);
    green::notify_close(p.r);
    ::close(std::exchange(p.r, -1));
  });
  green::joinall(std::vector{a, b, closer});
  std::sort(log.entries.begin(), log.entries.end());
  const std::string closed = std::to_string(green::CLOSED);
  EXPECT_EQ(log.entries, (std::vector<std::string>{"poll 2 " + closed + "0" + closed, "wait_fd EBADF"}));
}

TEST_F(FdEngine, TheFdsWatchIsReusableAfterEveryKindOfWait) {
  Pipe p;
  for (int round = 0; round < 3; ++round) {
    green::PollFd fds[] = {{p.r, green::READ, 0}};
    EXPECT_EQ(green::poll_fds(fds, 1ms), 0u);
    EXPECT_EQ(green::wait_fd(p.r, green::READ, 1ms), 0);
  }
  auto writer = green::spawn([&] { ASSERT_EQ(::write(p.w, "x", 1), 1); });
  EXPECT_EQ(green::wait_fd(p.r, green::READ, 5s), green::READ);
  writer.join();
}

}  // namespace
}  // namespace green_test

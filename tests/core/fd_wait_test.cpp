// io_test.cpp — green/io.h: wait_fd/wait_read/wait_write on pipes and
// socketpairs, timeouts, and notify_close waking waiters with EBADF.
#include "green/io.h"

#include <fcntl.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cerrno>
#include <cstdio>
#include <string>
#include <system_error>
#include <vector>

#include "fixture.h"
#include "green/detail/greenlet_core.h"
#include "green/detail/sched.h"

namespace green_test {
namespace {

using Io = GreenTest;

// FdPair: two connected non-blocking fds (a pipe or a socketpair), closed at
// the end of the test unless a test closed them itself.
struct FdPair {
  int r = -1;  // read end (either end of a socketpair)
  int w = -1;  // write end
  static FdPair pipe() {
    int fds[2];
    EXPECT_EQ(::pipe2(fds, O_NONBLOCK | O_CLOEXEC), 0);
    return {fds[0], fds[1]};
  }
  static FdPair socketpair() {
    int fds[2];
    EXPECT_EQ(::socketpair(AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0, fds), 0);
    return {fds[0], fds[1]};
  }
  FdPair(int a, int b) : r(a), w(b) {}
  FdPair(const FdPair&) = delete;
  FdPair(FdPair&& o) noexcept : r(std::exchange(o.r, -1)), w(std::exchange(o.w, -1)) {}
  ~FdPair() {
    if (r >= 0) ::close(r);
    if (w >= 0) ::close(w);
  }
  void put(const char* s) const { ASSERT_EQ(::write(w, s, 1), 1); }
};

// invalid_fd: an fd number that is certainly not open.
int invalid_fd() {
  int fd = ::dup(0);
  if (fd < 0) fd = 1000;
  ::close(fd);
  return fd;
}

TEST_F(Io, WaitFdReturnsWhenAPipeBecomesReadable) {
  Log log;
  auto p = FdPair::pipe();
  auto writer = green::spawn([&] {
    green::sleep(10ms);
    log("write");
    p.put("x");
  });
  log("wait");
  int r = green::wait_fd(p.r, green::READ);
  log("readable");
  EXPECT_EQ(r, green::READ);
  writer.join();
  EXPECT_EQ(log.entries, (std::vector<std::string>{"wait", "write", "readable"}));
}

TEST_F(Io, WaitReadOnASocketpair) {
  auto s = FdPair::socketpair();
  auto writer = green::spawn([&] { s.put("y"); });
  EXPECT_TRUE(green::wait_read(s.r, 5s));
  char c = 0;
  EXPECT_EQ(::read(s.r, &c, 1), 1);
  EXPECT_EQ(c, 'y');
  writer.join();
}

TEST_F(Io, WaitFdTimesOut) {
  auto p = FdPair::pipe();
  auto start = std::chrono::steady_clock::now();
  EXPECT_EQ(green::wait_fd(p.r, green::READ, 30ms), 0);
  EXPECT_GE(ms_since(start), 30);
  EXPECT_FALSE(green::wait_read(p.r, 1ms));
}

// Regression: a wake that is not the fd's used to restart the whole timeout,
// so a waiter woken often enough never timed out.
TEST_F(Io, StrayWakesDoNotExtendTheTimeout) {
  auto p = FdPair::pipe();
  green::detail::GreenletCore* waiter = nullptr;
  int wakes = 0;
  bool returned = false;
  auto w = green::spawn([&] {
    waiter = green::detail::current_core();
    int r = green::wait_fd(p.r, green::READ, 100ms);
    returned = true;
    return r;
  });
  auto waker = green::spawn([&] {
    for (; wakes < 20 && !returned; ++wakes) {
      green::sleep(30ms);
      if (!returned && waiter) green::detail::wake(waiter);
    }
  });
  EXPECT_EQ(w.get(), 0);
  // 20 stray wakes 30 ms apart span 600 ms; the 100 ms timeout ends the wait
  // long before the waker runs out of them.
  EXPECT_LT(wakes, 20);
  waker.join();
}

TEST_F(Io, AZeroTimeoutOnlyChecks) {
  auto p = FdPair::pipe();
  EXPECT_EQ(green::wait_fd(p.r, green::READ, green::Duration::zero()), 0);
  EXPECT_EQ(green::wait_fd(p.w, green::READ | green::WRITE, green::Duration::zero()), green::WRITE);
  p.put("z");
  EXPECT_EQ(green::wait_fd(p.r, green::READ, green::Duration::zero()), green::READ);
}

TEST_F(Io, HangUpCountsAsReadable) {
  auto p = FdPair::pipe();
  ::close(std::exchange(p.w, -1));
  EXPECT_TRUE(green::wait_read(p.r, 5s));
}

TEST_F(Io, WaitWriteBlocksUntilTheSocketIsDrained) {
  auto s = FdPair::socketpair();
  EXPECT_TRUE(green::wait_write(s.w, 5s)) << "an empty socket is writable at once";
  std::vector<char> buf(65536, 'f');
  while (::write(s.w, buf.data(), buf.size()) > 0) {
  }
  ASSERT_EQ(errno, EAGAIN);
  EXPECT_EQ(green::wait_fd(s.w, green::WRITE, 20ms), 0) << "a full socket is not writable";
  auto reader = green::spawn([&] {
    while (::read(s.r, buf.data(), buf.size()) > 0) {
    }
  });
  EXPECT_EQ(green::wait_fd(s.w, green::WRITE, 5s), green::WRITE);
  reader.join();
}

TEST_F(Io, NotifyCloseWakesEveryWaiterWithEbadf) {
  Log log;
  auto p = FdPair::pipe();
  auto waiter = [&log, fd = p.r](std::string id) {
    int r = green::wait_fd(fd, green::READ);
    int e = errno;
    log(id + (r == -1 && e == EBADF ? " EBADF" : " r=" + std::to_string(r)));
  };
  auto a = green::spawn(waiter, "a");
  auto b = green::spawn(waiter, "b");
  auto closer = green::spawn([&] {
    green::sleep(10ms);
    log("close");
    green::notify_close(p.r);
    ::close(std::exchange(p.r, -1));
  });
  green::joinall(std::vector{a, b, closer});
  EXPECT_EQ(log.entries, (std::vector<std::string>{"close", "a EBADF", "b EBADF"}));
}

TEST_F(Io, NotifyCloseOnAnFdNobodyWaitsOnIsHarmless) {
  auto p = FdPair::pipe();
  green::notify_close(p.r);
  green::notify_close(-1);
  green::notify_close(1 << 20);
  p.put("x");
  EXPECT_TRUE(green::wait_read(p.r, 5s)) << "a later wait on the same fd works";
}

TEST_F(Io, AnInvalidFdIsEbadf) {
  int bad = invalid_fd();
  for (green::Duration t : {green::Duration::zero(), green::Duration(1s), green::forever}) {
    errno = 0;
    EXPECT_EQ(green::wait_fd(bad, green::READ, t), -1) << t.count();
    EXPECT_EQ(errno, EBADF) << t.count();
  }
  errno = 0;
  EXPECT_EQ(green::wait_fd(-1, green::WRITE), -1);
  EXPECT_EQ(errno, EBADF);
}

TEST_F(Io, WaitReadThrowsSystemErrorForABadFd) {
  try {
    green::wait_read(invalid_fd());
    FAIL() << "no exception";
  } catch (const std::system_error& e) {
    EXPECT_EQ(e.code().value(), EBADF);
  }
  EXPECT_THROW(green::wait_write(-1), std::system_error);
}

TEST_F(Io, NoEventsIsEinval) {
  auto p = FdPair::pipe();
  errno = 0;
  EXPECT_EQ(green::wait_fd(p.r, 0, 1s), -1);
  EXPECT_EQ(errno, EINVAL);
}

TEST_F(Io, ARegularFileIsEperm) {
  std::FILE* f = std::tmpfile();
  ASSERT_NE(f, nullptr);
  errno = 0;
  EXPECT_EQ(green::wait_fd(fileno(f), green::READ, 1s), -1);
  EXPECT_EQ(errno, EPERM);
  std::fclose(f);
}

TEST_F(Io, KillAndTimeoutInterruptAWaitAndDisarmIt) {
  auto p = FdPair::pipe();
  auto g = green::spawn([&] { green::wait_fd(p.r, green::READ); });
  green::sleep(0ms);
  EXPECT_EQ(green::hub_stats().active_watchers, 1u);
  EXPECT_TRUE(g.kill());
  EXPECT_EQ(green::hub_stats().active_watchers, 0u);
  green::notify_close(p.r);  // the killed wait is no longer listed under the fd
  {
    green::Timeout t(10ms);
    EXPECT_THROW(green::wait_read(p.r), green::Timeout);
  }
}

}  // namespace
}  // namespace green_test

// fork_test.cpp — fork() from a greenlet: the child goes on with the forking
// greenlet only, on a fresh loop; the parent is unaffected.
#include <sys/wait.h>
#include <unistd.h>

#include <cstdio>
#include <string>

#include "fixture.h"
#include "green/threadpool.h"
#include "pipe.h"

namespace green_test {
namespace {

// TSan reports races between a forked child's fibers (its fiber annotations
// do not carry over fork); the sanitizer-free and ASan trees run these.
class Fork : public GreenTest {
 protected:
  void SetUp() override {
#if defined(__SANITIZE_THREAD__)
    GTEST_SKIP() << "TSan does not follow fiber switches in a forked child";
#endif
  }
};

// Report: the child's lines, through a pipe the parent reads after the child exited.
struct Report : Pipe {
  void say(const std::string& line) const { (void)!::write(fds[1], (line + "\n").data(), line.size() + 1); }
  // collect: the child's exit status and everything it said.
  std::pair<int, std::string> collect(pid_t pid) {
    ::close(fds[1]);
    fds[1] = -1;
    int status = -1;
    EXPECT_EQ(::waitpid(pid, &status, 0), pid);
    std::string text;
    char buf[256];
    for (ssize_t n; (n = ::read(fds[0], buf, sizeof buf)) > 0;) text.append(buf, static_cast<std::size_t>(n));
    return {status, text};
  }
};

std::string stats_line() {
  green::HubStats s = green::hub_stats();
  return "live=" + std::to_string(s.live_greenlets) + " watchers=" + std::to_string(s.active_watchers);
}

TEST_F(Fork, ChildGoesOnWithTheForkingGreenletOnlyParentUnaffected) {
  Report report;
  const pid_t parent = ::getpid();
  bool sleeper_woke = false;
  // Waits on a timer across the fork: in the child it must never run again.
  auto sleeper = green::spawn([&] {
    green::sleep(50ms);
    if (::getpid() != parent) report.say("sleeper ran in the child");
    sleeper_woke = true;
  });
  auto forker = green::spawn([&]() -> pid_t {
    pid_t pid = ::fork();
    if (pid != 0) return pid;
    report.say(stats_line());  // the forker alone, nothing armed
    green::sleep(150ms);       // a timer on the child's fresh loop, past the sleeper's
    auto g = green::spawn([] { return 42; });
    report.say("spawned=" + std::to_string(g.get()));
    report.say(stats_line());
    ::_exit(0);
  });
  pid_t pid = forker.get();
  ASSERT_GT(pid, 0);
  sleeper.join();
  EXPECT_TRUE(sleeper_woke);  // the parent's greenlets go on
  auto [status, text] = report.collect(pid);
  EXPECT_TRUE(WIFEXITED(status) && WEXITSTATUS(status) == 0) << status;
  EXPECT_EQ(text, "live=1 watchers=0\nspawned=42\nlive=1 watchers=0\n");
}

// A Timeout the forking greenlet armed keeps running in the child (the
// timers of the greenlets left behind are dropped: see the stats line above).
TEST_F(Fork, ATimeoutArmedBeforeTheForkFiresInTheChild) {
  Report report;
  auto forker = green::spawn([&]() -> pid_t {
    green::Timeout t(100ms);
    pid_t pid = ::fork();
    if (pid != 0) return pid;  // the parent disarms its copy on return
    try {
      green::sleep(5s);
      report.say("slept through");
    } catch (const green::Timeout& e) {
      report.say(e == t ? "the timeout fired" : "another timeout fired");
    }
    report.say(stats_line());
    ::_exit(0);
  });
  pid_t pid = forker.get();
  ASSERT_GT(pid, 0);
  auto [status, text] = report.collect(pid);
  EXPECT_TRUE(WIFEXITED(status) && WEXITSTATUS(status) == 0) << status;
  EXPECT_EQ(text, "the timeout fired\nlive=1 watchers=0\n");
}

TEST_F(Fork, FromMainWhileAGreenletWaitsOnAnFd) {
  Report report;
  Pipe pipe;
  int* p = pipe.fds;
  auto reader = green::spawn([&] { green::wait_read(p[0]); });
  green::sleep(0ms);  // the reader is parked on its fd
  pid_t pid = ::fork();
  if (pid == 0) {
    report.say(stats_line());
    (void)!::write(p[1], "x", 1);  // readable now: nobody in the child may wake
    green::sleep(20ms);
    report.say(green::dump_text().find("left behind by fork") != std::string::npos ? "dump says abandoned"
                                                                                   : green::dump_text());
    ::_exit(0);
  }
  auto [status, text] = report.collect(pid);
  EXPECT_TRUE(WIFEXITED(status) && WEXITSTATUS(status) == 0) << status;
  EXPECT_EQ(text,
            "live=0 watchers=0\n"
            "dump says abandoned\n");
  reader.join();  // the child's byte wakes the parent's reader
}

TEST_F(Fork, ChildExitsWhenTheForkingGreenletReturns) {
  Report report;
  auto forker = green::spawn([&]() -> pid_t {
    pid_t pid = ::fork();
    if (pid == 0) report.say("child returns");
    return pid;  // in the child: nothing left to run, _exit(0)
  });
  pid_t pid = forker.get();
  auto [status, text] = report.collect(pid);
  EXPECT_TRUE(WIFEXITED(status) && WEXITSTATUS(status) == 0) << status;
  EXPECT_EQ(text, "child returns\n");
}

TEST_F(Fork, RunInThreadWorksInTheChild) {
  Report report;
  EXPECT_EQ(green::run_in_thread([] { return 1; }), 1);  // the parent's pool has a worker now
  pid_t pid = ::fork();
  if (pid == 0) {
    report.say("got " + std::to_string(green::run_in_thread([] { return 7; })));
    ::_exit(0);
  }
  auto [status, text] = report.collect(pid);
  EXPECT_TRUE(WIFEXITED(status) && WEXITSTATUS(status) == 0) << status;
  EXPECT_EQ(text, "got 7\n");
}

}  // namespace
}  // namespace green_test

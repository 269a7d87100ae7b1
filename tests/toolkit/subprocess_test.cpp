// subprocess_test.cpp — green/subprocess.h: Popen, communicate, wait,
// check_output, call; only the calling greenlet waits.
#include "green/subprocess.h"

#include <signal.h>

#include <string>
#include <vector>

#include "fixture.h"

namespace green_test {
namespace {

using Subprocess = GreenTest;

TEST_F(Subprocess, CommunicateTenMiBBothWaysWithCatDoesNotDeadlock) {
  std::string input(10u << 20, '\0');
  for (std::size_t i = 0; i < input.size(); ++i) input[i] = static_cast<char>((i * 131) >> 3);
  green::Popen p({"cat"}, {.stdin_ = green::Stdio::pipe(), .stdout_ = green::Stdio::pipe()});
  auto [out, err] = p.communicate(input, 50s);
  EXPECT_EQ(out.size(), input.size());
  EXPECT_TRUE(out == input);
  EXPECT_EQ(err, "");
  EXPECT_EQ(p.returncode(), 0);
}

// A spawned greenlet has a 64 KiB stack: communicate must not need more.
TEST_F(Subprocess, CommunicateFitsInAGreenletsStack) {
  auto g = green::spawn([] { return green::check_output({"sh", "-c", "echo in a greenlet"}, 20s); });
  EXPECT_EQ(g.get(), "in a greenlet\n");
}

TEST_F(Subprocess, WaitTimeoutLeavesTheChildRunningAndSaysSo) {
  green::Popen p({"sleep", "30"});
  try {
    p.wait(50ms);
    ADD_FAILURE() << "no timeout";
  } catch (const green::TimeoutExpired& e) {
    EXPECT_NE(std::string(e.what()).find("[sleep 30]"), std::string::npos) << e.what();
    EXPECT_NE(std::string(e.what()).find("still running"), std::string::npos) << e.what();
  }
  EXPECT_FALSE(p.poll().has_value()) << "the child still runs";
  p.kill();
  EXPECT_EQ(p.wait(10s), -SIGKILL);
  EXPECT_EQ(p.returncode(), -SIGKILL);
}

TEST_F(Subprocess, CommunicateTimeoutKeepsWhatWasReadAndCanGoOn) {
  green::Popen p({"sh", "-c", "echo first; sleep 0.3; echo second"}, {.stdout_ = green::Stdio::pipe()});
  EXPECT_THROW(p.communicate({}, 50ms), green::TimeoutExpired);
  auto [out, err] = p.communicate({}, 20s);
  EXPECT_EQ(out, "first\nsecond\n");
  EXPECT_EQ(p.returncode(), 0);
}

TEST_F(Subprocess, CheckOutputOfAFailingCommandCarriesTheStatus) {
  EXPECT_EQ(green::check_output({"sh", "-c", "printf hello"}), "hello");
  try {
    green::check_output({"sh", "-c", "echo out; echo err >&2; exit 3"}, 20s, {.stderr_ = green::Stdio::pipe()});
    ADD_FAILURE() << "no error";
  } catch (const green::CalledProcessError& e) {
    EXPECT_EQ(e.returncode, 3);
    EXPECT_EQ(e.output, "out\n");
    EXPECT_EQ(e.error, "err\n");
    EXPECT_NE(std::string(e.what()).find("exited with status 3"), std::string::npos) << e.what();
    EXPECT_EQ(e.argv().size(), 3u);
  }
  EXPECT_EQ(green::call({"sh", "-c", "exit 7"}), 7);
  EXPECT_THROW(green::call({"sleep", "30"}, 50ms), green::TimeoutExpired) << "call kills and reaps it";
}

TEST_F(Subprocess, AMissingProgramIsNamedInTheError) {
  try {
    green::Popen p({"green-no-such-program", "x"});
    ADD_FAILURE() << "started";
  } catch (const green::SubprocessError& e) {
    std::string w = e.what();
    EXPECT_NE(w.find("cannot start green-no-such-program: No such file or directory"), std::string::npos) << w;
  }
  EXPECT_THROW(green::Popen({}), green::SubprocessError);
}

TEST_F(Subprocess, EnvCwdAndRedirections) {
  std::string dir = testing::TempDir();
  green::PopenOptions o;
  o.cwd = dir;
  o.env = std::vector<std::string>{"GREEN_TEST_VALUE=bar", "PATH=/usr/bin:/bin"};
  o.stdout_ = green::Stdio::pipe();
  o.stderr_ = green::Stdio::to_stdout();
  o.stdin_ = green::Stdio::devnull();
  green::Popen p({"sh", "-c", "cd . && echo \"$GREEN_TEST_VALUE\" && cat && echo oops >&2"}, o);
  auto [out, err] = p.communicate({}, 20s);
  EXPECT_EQ(out, "bar\noops\n");
  EXPECT_EQ(p.returncode(), 0);
  std::string pwd = green::check_output({"pwd"}, 20s, {.cwd = dir});
  EXPECT_NE(pwd.find(dir.substr(0, dir.size() - 1)), std::string::npos) << pwd << " vs " << dir;
}

TEST_F(Subprocess, TerminateAndSignals) {
  green::Popen p({"sleep", "30"});
  p.terminate();
  EXPECT_EQ(p.wait(10s), -SIGTERM);
  p.kill();  // reaped: a no-op
}

// 100 children of 0.2 s each: 20 s one after another; concurrently about
// 0.2 s. The bound is a coarse class (under half the sequential time).
TEST_F(Subprocess, HundredChildrenWaitConcurrently) {
  auto start = std::chrono::steady_clock::now();
  std::vector<green::Greenlet<int>> gs;
  for (int i = 0; i < 100; ++i)
    gs.push_back(green::spawn([] {
      green::Popen p({"sleep", "0.2"});
      return p.wait(50s);
    }));
  int ok = 0;
  for (auto& g : gs) ok += g.get() == 0 ? 1 : 0;
  EXPECT_EQ(ok, 100);
  EXPECT_LT(ms_since(start), 10'000) << "waits were not concurrent";
}

TEST_F(Subprocess, OnlyTheCallerWaits) {
  int ticks = 0;
  bool stop = false;
  auto ticker = green::spawn([&] {
    while (!stop && ticks < 10'000) {
      ++ticks;
      green::sleep(5ms);
    }
  });
  green::Popen p({"sleep", "0.3"});
  EXPECT_EQ(p.wait(20s), 0);
  stop = true;
  ticker.join();
  EXPECT_GT(ticks, 5) << "the hub kept running other greenlets";
}

}  // namespace
}  // namespace green_test

// wait_test.cpp — green/wait.h: joinall, killall, wait and iwait over ranges
// of handles.
#include "green/wait.h"

#include <unistd.h>

#include <array>
#include <deque>
#include <list>
#include <stdexcept>
#include <string>
#include <vector>

#include "fixture.h"
#include "green/event.h"
#include "green/io.h"
#include "green/sleep.h"

namespace green_test {
namespace {

using Wait = GreenTest;

// values: what each greenlet returned, in the order given.
std::vector<int> values(const std::vector<green::Greenlet<int>>& gs) {
  std::vector<int> out;
  for (const auto& g : gs) out.push_back(g.get());
  return out;
}

// staggered: greenlets returning 0, 1, 2 that finish in the order 1, 2, 0.
std::vector<green::Greenlet<int>> staggered() {
  return {green::spawn(sleeper(60ms, 0)), green::spawn(sleeper(20ms, 1)), green::spawn(sleeper(40ms, 2))};
}

TEST_F(Wait, JoinallWaitsForAllAndReturnsThemInCompletionOrder) {
  auto gs = staggered();
  auto done = green::joinall(gs);
  EXPECT_EQ(values(done), (std::vector<int>{1, 2, 0}));
  for (const auto& g : gs) EXPECT_TRUE(g.ready());
}

TEST_F(Wait, JoinallWithATimeoutReturnsOnlyThoseThatFinished) {
  std::vector<green::Greenlet<int>> gs{green::spawn(sleeper(1ms, 0)), green::spawn(sleeper(10s, 1))};
  auto done = green::joinall(gs, 100ms);
  EXPECT_EQ(values(done), (std::vector<int>{0}));
  EXPECT_FALSE(gs[1].ready());
  green::killall(gs);
}

TEST_F(Wait, JoinallRaiseErrorRethrowsTheFirstFailure) {
  testing::internal::CaptureStderr();
  std::vector<green::Greenlet<int>> gs{
      green::spawn(sleeper(10s, 0)),
      green::spawn([]() -> int {
        green::sleep(10ms);
        throw std::runtime_error("second failed");
      }),
      green::spawn(sleeper(1ms, 2)),
  };
  try {
    green::joinall(gs, green::forever, true);
    FAIL() << "joinall did not raise";
  } catch (const std::runtime_error& e) {
    EXPECT_STREQ(e.what(), "second failed");
  }
  EXPECT_FALSE(gs[0].ready()) << "the others keep running";
  EXPECT_TRUE(gs[2].ready());
  green::killall(gs);
  testing::internal::GetCapturedStderr();
}

TEST_F(Wait, JoinallRaiseErrorTreatsKilledAsSuccess) {
  std::vector<green::Greenlet<int>> gs{green::spawn(sleeper(10s, 0)), green::spawn(sleeper(1ms, 1))};
  gs[0].kill(nullptr, false);
  EXPECT_EQ(green::joinall(gs, green::forever, true).size(), 2u);
}

TEST_F(Wait, KillallKillsEveryGreenlet) {
  Log log;
  std::vector<green::Greenlet<void>> gs;
  for (int i = 0; i < 3; ++i) {
    gs.push_back(green::spawn([&log, i] {
      try {
        green::sleep(10s);
      } catch (const green::GreenletExit&) {
        log("exit " + std::to_string(i));
        throw;
      }
    }));
  }
  green::sleep(0ms);
  green::killall(gs);
  for (const auto& g : gs) {
    EXPECT_TRUE(g.ready());
    EXPECT_TRUE(g.successful());
  }
  EXPECT_EQ(log.entries, (std::vector<std::string>{"exit 0", "exit 1", "exit 2"}));
}

// gevent's killall raises Timeout when its timeout runs out.
TEST_F(Wait, KillallThatRunsOutOfTimeSaysSo) {
  green::Event release;
  std::vector<green::Greenlet<void>> gs{green::spawn([&] {
    try {
      green::sleep(10s);
    } catch (const green::GreenletExit&) {
      release.wait(10s);  // cleanup that outlasts the killer's patience
      throw;
    }
  })};
  green::sleep(0ms);
  EXPECT_THROW(green::killall(gs, nullptr, true, 20ms), green::Timeout);
  EXPECT_FALSE(gs[0].ready());
  release.set();
  EXPECT_TRUE(gs[0].join(10s));
  EXPECT_NO_THROW(green::killall(gs, nullptr, true, 10ms)) << "all dead: nothing to report";
}

TEST_F(Wait, KillallWithAnExceptionAndWithoutBlocking) {
  testing::internal::CaptureStderr();
  std::vector<green::Greenlet<void>> gs{green::spawn([] { green::sleep(10s); }),
                                        green::spawn([] { green::sleep(10s); })};
  green::sleep(0ms);
  green::killall(gs, std::make_exception_ptr(std::runtime_error("stop")), false);
  EXPECT_FALSE(gs[0].ready()) << "not blocking: nobody has run yet";
  green::joinall(gs);
  std::string err = testing::internal::GetCapturedStderr();
  for (const auto& g : gs) EXPECT_THROW(g.get(), std::runtime_error);
  EXPECT_EQ(count_of(err, "failed with std::runtime_error: stop"), 2u) << err;
}

TEST_F(Wait, WaitWithACountReturnsTheFirstToFinish) {
  auto gs = staggered();
  auto first = green::wait(gs, green::forever, 2);
  EXPECT_EQ(values(first), (std::vector<int>{1, 2}));
  EXPECT_FALSE(gs[0].ready());
  green::joinall(gs);
}

TEST_F(Wait, WaitWithATimeoutReturnsWhatIsReady) {
  std::vector<green::Greenlet<int>> gs{green::spawn(sleeper(10s, 0)), green::spawn(sleeper(1ms, 1))};
  auto start = std::chrono::steady_clock::now();
  auto ready = green::wait(gs, 50ms);
  EXPECT_GE(ms_since(start), 50);
  EXPECT_EQ(values(ready), (std::vector<int>{1}));
  green::killall(gs);
}

TEST_F(Wait, IwaitYieldsInCompletionOrderNotInputOrder) {
  auto gs = staggered();
  std::vector<int> order;
  for (const auto& g : green::iwait(gs)) order.push_back(g.get());
  EXPECT_EQ(order, (std::vector<int>{1, 2, 0}));
}

TEST_F(Wait, IwaitYieldsThoseReadyAtTheStartFirstInInputOrder) {
  std::vector<green::Greenlet<int>> gs{green::spawn(sleeper(20ms, 0)), green::spawn([] { return 1; }),
                                       green::spawn([] { return 2; })};
  green::sleep(0ms);  // 1 and 2 finish; 0 sleeps
  std::vector<int> order;
  for (const auto& g : green::iwait(gs)) order.push_back(g.get());
  EXPECT_EQ(order, (std::vector<int>{1, 2, 0}));
}

TEST_F(Wait, IwaitStopsAfterCountOrTimeout) {
  auto gs = staggered();
  std::vector<int> order;
  for (const auto& g : green::iwait(gs, green::forever, 1)) order.push_back(g.get());
  EXPECT_EQ(order, (std::vector<int>{1}));
  auto it = green::iwait(gs, 1ms);
  auto first = it.next();
  ASSERT_TRUE(first);
  EXPECT_EQ(first->get(), 1) << "the one ready at the start comes first";
  EXPECT_FALSE(it.next()) << "nothing else finishes within 1 ms";
  green::joinall(gs);
}

TEST_F(Wait, EmptyRangesReturnAtOnce) {
  std::vector<green::Greenlet<int>> none;
  EXPECT_TRUE(green::joinall(none).empty());
  EXPECT_TRUE(green::wait(none).empty());
  green::killall(none);
  EXPECT_FALSE(green::iwait(none).next());
}

TEST_F(Wait, AcceptsAnyRangeOfHandles) {
  std::list<green::AnyGreenlet> l{green::spawn(sleeper(1ms, 0)), green::spawn([] {})};
  std::deque<green::Greenlet<int>> d{green::spawn(sleeper(1ms, 1))};
  std::array<green::Greenlet<int>, 2> a{green::spawn(sleeper(1ms, 2)), green::spawn(sleeper(1ms, 3))};
  EXPECT_EQ(green::joinall(l).size(), 2u);
  EXPECT_EQ(green::wait(d).size(), 1u);
  EXPECT_EQ(green::joinall(a).size(), 2u);
}

TEST_F(Wait, JoinallReportsNothingCanWakeInsteadOfHanging) {
  green::Waiter<void> never;
  std::vector<green::Greenlet<void>> gs{green::spawn([&] { never.get("a Waiter nobody switches"); })};
  EXPECT_THROW(green::joinall(gs), green::LoopExit);
  green::killall(gs);
}

// gevent.wait(): run until nothing is left — including greenlets spawned
// later and timers — and return, not LoopExit, when the rest is parked for good.
TEST_F(Wait, WaitWithNoObjectsRunsUntilNothingIsLeft) {
  std::vector<int> done;
  for (int i = 0; i < 3; ++i)
    green::spawn([&done, i] {
      green::sleep(std::chrono::milliseconds(10 * (i + 1)));
      done.push_back(i);
    });
  green::spawn([&] { green::spawn_later(40ms, [&] { done.push_back(3); }); });
  green::Event never;
  auto stuck = green::spawn([&] { never.wait(); });  // nothing will ever set it
  green::wait();
  EXPECT_EQ(done, (std::vector<int>{0, 1, 2, 3}));
  EXPECT_EQ(green::hub_stats().active_watchers, 0u);
  EXPECT_FALSE(stuck.ready());
  stuck.kill();
  // Only the main greenlet may wait for everything else.
  auto inner = green::spawn([] { green::wait(); });
  inner.join();
  EXPECT_THROW(inner.get(), std::logic_error);
}

TEST_F(Wait, WaitWithNoObjectsIsBoundedByATimeout) {
  auto sleeper = green::spawn([] { green::sleep(10s); });
  auto start = std::chrono::steady_clock::now();
  EXPECT_THROW(
      {
        green::Timeout t(20ms);
        green::wait();
      },
      green::Timeout);
  EXPECT_LT(ms_since(start), 5000);
  sleeper.kill();
}

// gevent.idle(): returns once every ready greenlet ran and a poll of the loop
// found nothing due — I/O that is ready counts, a timer not due yet does not.
TEST_F(Wait, IdleReturnsWhenNothingElseIsReady) {
  int fds[2];
  ASSERT_EQ(pipe(fds), 0);
  int steps = 0;
  bool read_ready = false;
  for (int i = 0; i < 3; ++i)
    green::spawn([&] {
      for (int k = 0; k < 5; ++k) {
        ++steps;
        green::yield();
      }
    });
  // The reader parks on the empty pipe before the writer fills it: only a
  // poll of the loop can make it ready again.
  auto reader = green::spawn([&] { read_ready = green::wait_read(fds[0], 5s); });
  green::spawn([&] { EXPECT_EQ(write(fds[1], "x", 1), 1); });
  auto later = green::spawn([] { green::sleep(10s); });
  auto start = std::chrono::steady_clock::now();
  green::idle();
  EXPECT_EQ(steps, 15) << "idle returned while greenlets were ready";
  EXPECT_TRUE(read_ready) << "idle returned before the ready fd was polled";
  EXPECT_LT(ms_since(start), 5000) << "idle waited for a timer that is not due";
  later.kill();
  reader.join();
  close(fds[0]);
  close(fds[1]);
}

}  // namespace
}  // namespace green_test

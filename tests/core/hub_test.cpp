// hub_test.cpp — green/hub.h: cross-thread post and KeepAlive, blocking in
// the hub, the "would block forever" error, counters.
#include "green/hub.h"

#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <cstdlib>
#include <stdexcept>
#include <string>
#include <thread>
#include <vector>

#include "fixture.h"

namespace green_test {
namespace {

using Hub = GreenTest;

// loop_exit_message: run `f`, which must throw LoopExit; return its message.
template <class F>
std::string loop_exit_message(F&& f) {
  try {
    f();
  } catch (const green::LoopExit& e) {
    return e.what();
  }
  ADD_FAILURE() << "no LoopExit";
  return "";
}

// Timers due together are dispatched together: a greenlet a timer woke goes
// back to the loop when it is done, not down the queue of ready greenlets
// (with thousands of them queued, every later timer used to wait for a whole
// chain of them: 160 ms late with 100,000 timers).
TEST_F(Hub, GreenletsWokenByTheLoopReturnToItBeforeTheReadyQueue) {
  std::vector<std::string> log;
  auto t1 = green::spawn([&] {
    green::sleep(5ms);
    log.push_back("T1");
  });
  auto t2 = green::spawn([&] {
    green::sleep(5ms);
    log.push_back("T2");
  });
  green::sleep(0ms);  // both start and arm their timers
  // Spin past both deadlines without yielding: they become due together.
  const auto until = std::chrono::steady_clock::now() + 20ms;
  while (std::chrono::steady_clock::now() < until) {
  }
  std::vector<green::Greenlet<void>> storm;
  // Each busy for 20 us: the storm outlasts the hub's batch budget, so the
  // loop runs (and fires both timers) while most of it is still queued.
  auto busy = [&] {
    const auto end = std::chrono::steady_clock::now() + 20us;
    while (std::chrono::steady_clock::now() < end) {
    }
    log.push_back("S");
  };
  for (int i = 0; i < 200; ++i) storm.push_back(green::spawn(busy));
  t1.join();
  t2.join();
  green::joinall(storm);
  auto at = [&](const char* what) { return std::find(log.begin(), log.end(), what) - log.begin(); };
  ASSERT_EQ(log.size(), 202u);
  EXPECT_EQ(at("T2"), at("T1") + 1) << "ready greenlets ran between two timers that were due together";
}

// A timer that comes due in the middle of a long batch of ready greenlets
// fires there, within a few entries, not when the batch's budget runs out.
// The budget is made longer than the whole storm (on a thread of its own, so
// its hub reads it), so without mid-batch firing the timer would come last.
TEST(HubBatch, ATimerDueInTheMiddleOfABatchFiresThere) {
  std::vector<std::string> log;
  // Set before the thread starts, not in it: setenv beside another thread's getenv is a race.
  ::setenv("GREEN_MAX_BATCH_US", "60000000", 1);
  std::thread([&] {
    auto sleeper = green::spawn([&] {
      green::sleep(2ms);
      log.push_back("T");
    });
    green::sleep(0ms);  // the sleeper arms its timer
    // 160 greenlets busy 200 us each: the timer is due after the tenth. They
    // hand over to one another directly; the clock is read every 64 handoffs.
    auto busy = [&] {
      const auto end = std::chrono::steady_clock::now() + 200us;
      while (std::chrono::steady_clock::now() < end) {
      }
      log.push_back("S");
    };
    std::vector<green::Greenlet<void>> storm;
    for (int i = 0; i < 160; ++i) storm.push_back(green::spawn(busy));
    sleeper.join();
    green::joinall(storm);
  }).join();
  ::unsetenv("GREEN_MAX_BATCH_US");
  ASSERT_EQ(log.size(), 161u);
  const auto at = std::find(log.begin(), log.end(), "T") - log.begin();
  EXPECT_LE(at, 128) << "the timer waited for the batch to end";
}

TEST_F(Hub, AnotherThreadWakesAGreenletThroughPost) {
  green::Waiter<int> w;
  auto hub = green::this_hub();
  std::thread t;
  {
    green::KeepAlive hold;
    EXPECT_EQ(green::hub_stats().keepalives, 1u);
    t = std::thread([&w, hub] {
      std::this_thread::sleep_for(20ms);
      EXPECT_TRUE(hub.post([&w] { w.switch_(7); }));
    });
    EXPECT_EQ(w.get(), 7);
  }
  t.join();
}

TEST_F(Hub, PostedFunctionsRunInPostOrder) {
  Log log;
  green::Waiter<void> done;
  auto hub = green::this_hub();
  green::KeepAlive hold;
  std::thread t([&log, &done, hub] {
    for (int i = 0; i < 100; ++i) hub.post([&log, i] { log(std::to_string(i)); });
    hub.post([&done] { done.switch_(); });
  });
  done.get();
  t.join();
  ASSERT_EQ(log.entries.size(), 100u);
  for (int i = 0; i < 100; ++i) EXPECT_EQ(log.entries[static_cast<std::size_t>(i)], std::to_string(i));
}

TEST_F(Hub, ManyThreadsPostConcurrently) {
  constexpr int threads = 4, each = 1000;
  int ran = 0;
  green::Waiter<void> done;
  auto hub = green::this_hub();
  std::atomic<int> finished{0};
  green::KeepAlive hold;
  std::vector<std::thread> ts;
  for (int t = 0; t < threads; ++t) {
    ts.emplace_back([&, hub] {
      for (int i = 0; i < each; ++i) hub.post([&ran] { ++ran; });
      if (finished.fetch_add(1) + 1 == threads) hub.post([&done] { done.switch_(); });
    });
  }
  done.get();
  for (auto& t : ts) t.join();
  EXPECT_EQ(ran, threads * each);
}

TEST_F(Hub, PostToAHubWhoseThreadEndedReturnsFalse) {
  green::HubHandle other;
  std::thread([&other] { other = green::this_hub(); }).join();
  EXPECT_FALSE(other.post([] {}));
  EXPECT_FALSE(green::HubHandle().post([] {}));
}

TEST_F(Hub, BlockingInAPostedFunctionIsBlockingInHubError) {
  std::string what;
  green::Waiter<void> done;
  auto hub = green::this_hub();
  green::KeepAlive hold;
  std::thread t([&, hub] {
    hub.post([&] {
      try {
        green::sleep(1ms);
      } catch (const green::BlockingInHubError& e) {
        what = e.what();
      }
      done.switch_();
    });
  });
  done.get();
  t.join();
  EXPECT_NE(what.find("sleep"), std::string::npos) << what;
  EXPECT_NE(what.find("inside the hub"), std::string::npos) << what;
}

TEST_F(Hub, AThrowingPostedFunctionIsReported) {
  testing::internal::CaptureStderr();
  green::Waiter<void> done;
  auto hub = green::this_hub();
  green::KeepAlive hold;
  std::thread t([&, hub] {
    hub.post([] { throw std::runtime_error("posted boom"); });
    hub.post([&] { done.switch_(); });
  });
  done.get();
  t.join();
  std::string err = testing::internal::GetCapturedStderr();
  EXPECT_NE(err.find("posted to the hub failed with std::runtime_error: posted boom"), std::string::npos) << err;
}

TEST_F(Hub, WaitingOnNothingThatCanWakeIsLoopExitNamingTheWait) {
  std::string msg = loop_exit_message([] { green::sleep(green::forever); });
  EXPECT_NE(msg.find("this operation would block forever"), std::string::npos) << msg;
  EXPECT_NE(msg.find("waits for sleep"), std::string::npos) << msg;
}

TEST_F(Hub, LoopExitNamesTheGreenletJoinedAndCountsParkedOnes) {
  green::Waiter<void> never;
  auto g = green::spawn_with({.name = "stuck-one"}, [&] { never.get(); });
  std::string msg = loop_exit_message([&] { g.join(); });
  EXPECT_NE(msg.find("join: a greenlet to finish (stuck-one)"), std::string::npos) << msg;
  EXPECT_NE(msg.find("1 spawned greenlet(s) are parked forever"), std::string::npos) << msg;
  g.kill();
}

TEST_F(Hub, AKeepAliveSuppressesLoopExit) {
  green::Waiter<void> w;
  auto hub = green::this_hub();
  std::thread t;
  {
    green::KeepAlive hold;
    t = std::thread([&w, hub] {
      std::this_thread::sleep_for(50ms);  // long enough that the hub would have reported
      hub.post([&w] { w.switch_(); });
    });
    w.get();
  }
  t.join();
  EXPECT_EQ(green::hub_stats().keepalives, 0u);
}

TEST_F(Hub, StatsCountGreenletsStacksWatchersAndSwitches) {
  auto before = green::hub_stats();
  auto g = green::spawn([] { green::sleep(10s); });
  auto s = green::hub_stats();
  EXPECT_EQ(s.live_greenlets, 1u);
  EXPECT_EQ(s.stacks_in_use, 0u) << "a stack is taken when the greenlet first runs";
  green::sleep(0ms);
  s = green::hub_stats();
  EXPECT_EQ(s.stacks_in_use, 1u);
  EXPECT_EQ(s.active_watchers, 1u) << "its sleep timer";
  EXPECT_GT(s.switches, before.switches);
  g.kill();
  s = green::hub_stats();
  EXPECT_EQ(s.live_greenlets, 0u);
  EXPECT_EQ(s.stacks_in_use, 0u);
  EXPECT_GE(s.stacks_pooled, 1u) << "the freed stack is kept for reuse";
}

TEST_F(Hub, EachThreadHasItsOwnHub) {
  int other_result = 0;
  green::HubStats other_stats;
  auto mine = green::spawn([] { green::sleep(10s); });
  std::thread([&] {
    auto g = green::spawn(sleeper(1ms, 5));
    other_result = g.get();
    other_stats = green::hub_stats();
  }).join();
  EXPECT_EQ(other_result, 5);
  EXPECT_EQ(other_stats.live_greenlets, 0u) << "the other thread never saw this thread's greenlet";
  EXPECT_EQ(green::hub_stats().live_greenlets, 1u);
  mine.kill();
}

TEST_F(Hub, ReadyGreenletsDoNotStarveIo) {
  int fds[2];
  ASSERT_EQ(::pipe(fds), 0);
  bool stop = false;
  auto spinner = green::spawn([&] {
    while (!stop) green::yield();
  });
  auto writer = green::spawn([&] {
    green::sleep(5ms);
    EXPECT_EQ(::write(fds[1], "x", 1), 1);
  });
  EXPECT_TRUE(green::wait_read(fds[0]));
  stop = true;
  green::joinall(std::vector{spinner, writer});
  ::close(fds[0]);
  ::close(fds[1]);
}

}  // namespace
}  // namespace green_test

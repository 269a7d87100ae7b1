// sleep_test.cpp — green/sleep.h: sleep(0) yields to the back of the ready
// queue, sleep(d) waits on a timer while others run.
#include "green/sleep.h"

#include <sys/resource.h>

#include <algorithm>
#include <cerrno>
#include <chrono>
#include <random>
#include <string>
#include <vector>

#include "fixture.h"

namespace green_test {
namespace {

using Sleep = GreenTest;

// step_yield_step: a greenlet body that logs `first`, sleeps 0, logs `second`.
auto step_yield_step(Log& log, std::string first, std::string second) {
  return [&log, first, second] {
    log(first);
    green::sleep(0ms);
    log(second);
  };
}

TEST_F(Sleep, SleepZeroInterleavesTwoGreenlets) {
  Log log;
  auto one = green::spawn(step_yield_step(log, "1A", "1B"));
  auto two = green::spawn(step_yield_step(log, "2A", "2B"));
  green::joinall(std::vector{one, two});
  EXPECT_EQ(log.entries, (std::vector<std::string>{"1A", "2A", "1B", "2B"}));
}

TEST_F(Sleep, SleepZeroGoesToTheBackOfTheReadyQueue) {
  Log log;
  auto a = green::spawn(step_yield_step(log, "a1", "a2"));
  auto b = green::spawn([&] { log("b"); });
  auto c = green::spawn([&] { log("c"); });
  green::joinall(std::vector{a, b, c});
  EXPECT_EQ(log.entries, (std::vector<std::string>{"a1", "b", "c", "a2"}));
}

TEST_F(Sleep, YieldAndNegativeSleepAreSleepZero) {
  Log log;
  auto body = [&log](std::string id, bool negative) {
    log(id + "A");
    if (negative) {
      green::sleep(-5ms);
    } else {
      green::yield();
    }
    log(id + "B");
  };
  auto one = green::spawn(body, "1", true);
  auto two = green::spawn(body, "2", false);
  green::joinall(std::vector{one, two});
  EXPECT_EQ(log.entries, (std::vector<std::string>{"1A", "2A", "1B", "2B"}));
}

TEST_F(Sleep, SleepZeroInMainLetsReadyGreenletsRun) {
  bool ran = false;
  auto g = green::spawn([&] { ran = true; });
  green::sleep(0ms);
  EXPECT_TRUE(ran);
  EXPECT_TRUE(g.ready());
}

TEST_F(Sleep, SleepZeroWithNothingElseReturns) {
  green::sleep(0ms);
  green::yield();
  SUCCEED();
}

TEST_F(Sleep, SleepWaitsAtLeastItsDurationOnATimer) {
  std::size_t watchers_while_sleeping = 0;
  auto watcher = green::spawn([&] { watchers_while_sleeping = green::hub_stats().active_watchers; });
  auto start = std::chrono::steady_clock::now();
  green::sleep(50ms);
  EXPECT_GE(ms_since(start), 50);
  EXPECT_EQ(watchers_while_sleeping, 1u) << "the sleeping main greenlet holds exactly one timer";
  watcher.join();
}

TEST_F(Sleep, ParallelSleepsOverlap) {
  std::vector<green::Greenlet<int>> gs;
  for (int i = 0; i < 3; ++i) gs.push_back(green::spawn(sleeper(100ms, i)));
  auto start = std::chrono::steady_clock::now();
  green::joinall(gs);
  long long took = ms_since(start);
  EXPECT_GE(took, 100);
  EXPECT_LT(took, 250) << "three 100 ms sleeps ran one after another";
}

TEST_F(Sleep, SleepersWakeInDeadlineOrder) {
  Log log;
  std::vector<green::Greenlet<void>> gs;
  for (int ms : {60, 20, 40}) {
    gs.push_back(green::spawn([&log, ms] {
      green::sleep(std::chrono::milliseconds(ms));
      log(std::to_string(ms));
    }));
  }
  green::joinall(gs);
  EXPECT_EQ(log.entries, (std::vector<std::string>{"20", "40", "60"}));
}

// involuntary_switches: how often the OS preempted this thread so far.
long involuntary_switches() {
  rusage ru{};
  getrusage(RUSAGE_THREAD, &ru);
  return ru.ru_nivcsw;
}

// Thousands of timers in the hub's heap at once, a third of them removed from
// its middle (their greenlets killed) while the rest wait: the survivors wake
// in deadline order, and no killed one wakes from its sleep. A heap that
// mis-sifts (a child skipped, an index not updated on a move) wakes timers out
// of order by milliseconds, or fires a removed one.
TEST_F(Sleep, ManySleepersWakeInDeadlineOrderWhileOthersAreRemoved) {
  using Clock = std::chrono::steady_clock;
  constexpr std::size_t kSleepers = 3000;
  std::mt19937 rng(42);
  std::uniform_int_distribution<int> us(0, 60000);
  std::vector<Clock::time_point> due(kSleepers);
  std::vector<Clock::time_point> killed_at(kSleepers, Clock::time_point::max());
  std::vector<bool> woke(kSleepers, false);
  std::vector<std::size_t> wake_order;
  std::vector<green::Greenlet<void>> gs;
  const long preempted_before = involuntary_switches();
  const auto arming_began = Clock::now();
  for (std::size_t i = 0; i < kSleepers; ++i) {
    const auto d = std::chrono::microseconds(us(rng));
    gs.push_back(green::spawn([&, i, d] {
      due[i] = Clock::now() + d;
      green::sleep(d);
      woke[i] = true;
      wake_order.push_back(i);
    }));
  }
  green::sleep(0ms);  // every greenlet has armed its timer
  // Deadlines are read just before each sleep arms its timer; 2 ms absorbs
  // the time in between, a wrong heap order is far larger than that. Unless
  // the OS took the CPU away while timers were armed (a loaded machine): then
  // a deadline may lag its reading by up to the whole arming phase.
  auto slack = std::chrono::duration_cast<Clock::duration>(2ms);
  if (involuntary_switches() != preempted_before) slack += Clock::now() - arming_began;
  std::vector<std::size_t> doomed;
  for (std::size_t i = 0; i < kSleepers; i += 3) doomed.push_back(i);
  std::shuffle(doomed.begin(), doomed.end(), rng);
  for (std::size_t i : doomed) {
    killed_at[i] = Clock::now();
    gs[i].kill(nullptr, false);
  }
  green::joinall(gs);
  int removed_but_fired = 0;
  for (std::size_t i : doomed)
    if (woke[i] && killed_at[i] < due[i]) ++removed_but_fired;  // killed before its deadline, woke anyway
  EXPECT_EQ(removed_but_fired, 0) << "a killed sleeper's timer stayed in the heap";
  ASSERT_GE(wake_order.size(), kSleepers * 2 / 3);
  int out_of_order = 0;
  for (std::size_t k = 1; k < wake_order.size(); ++k)
    if (due[wake_order[k]] + slack < due[wake_order[k - 1]]) ++out_of_order;
  EXPECT_EQ(out_of_order, 0) << "sleepers woke out of deadline order";
}

TEST_F(Sleep, OthersRunWhileMainSleeps) {
  Log log;
  auto g = green::spawn(step_yield_step(log, "child 1", "child 2"));
  log("main sleeps");
  green::sleep(10ms);
  log("main wakes");
  EXPECT_EQ(log.entries, (std::vector<std::string>{"main sleeps", "child 1", "child 2", "main wakes"}));
  EXPECT_TRUE(g.ready());
}

TEST_F(Sleep, KillInterruptsASleep) {
  auto g = green::spawn([] { green::sleep(green::forever); });
  green::sleep(0ms);
  auto start = std::chrono::steady_clock::now();
  EXPECT_TRUE(g.kill());
  EXPECT_LT(ms_since(start), 1000);
}

TEST_F(Sleep, ASpinningYielderDoesNotStarveTimers) {
  bool stop = false;
  unsigned long long spins = 0;
  auto spinner = green::spawn([&] {
    while (!stop) {
      ++spins;
      green::yield();
    }
  });
  green::sleep(20ms);  // returns only if the hub still polls its timers
  stop = true;
  spinner.join();
  EXPECT_GT(spins, 0u);
}

// green::yield() resumes in its caller's own frame (green/detail/yield.h), not
// in a return from the hub: whoever resumes it — another yielder, the hub's
// ready queue, a greenlet that parks or one that just died — it must come
// back with its own errno and with what kill() left for it.
TEST_F(Sleep, YieldResumesWithItsErrnoWhoeverResumesIt) {
  Log log;
  auto yielder = [&log](int mine, std::string id) {
    for (int i = 0; i < 3; ++i) {
      errno = mine;
      green::yield();
      log(id + (errno == mine ? " kept" : " lost"));
    }
  };
  auto a = green::spawn(yielder, EINTR, "a");
  auto b = green::spawn(yielder, ENOENT, "b");
  auto parker = green::spawn([] { green::sleep(1ms); });  // resumes a yielder as it parks
  auto dies = green::spawn([] {});                        // resumes a yielder as it dies
  errno = EPIPE;
  green::joinall(std::vector<green::AnyGreenlet>{a, b, parker, dies});
  EXPECT_EQ(errno, EPIPE);
  EXPECT_EQ(log.entries, (std::vector<std::string>{"a kept", "b kept", "a kept", "b kept", "a kept", "b kept"}));
}

TEST_F(Sleep, KillReachesAGreenletInYield) {
  bool after_kill = false;
  auto g = green::spawn([&] {
    for (;;) green::yield();
  });
  auto watcher = green::spawn([&] {
    green::yield();
    after_kill = true;
  });
  green::sleep(0ms);
  EXPECT_TRUE(g.kill());
  EXPECT_TRUE(g.successful()) << "GreenletExit, delivered at the yield, is a success";
  watcher.join();
  EXPECT_TRUE(after_kill);
}

TEST_F(Sleep, YieldInALinkCallbackIsRefused) {
  std::string error;
  auto g = green::spawn([] {});
  g.rawlink([&](const green::AnyGreenlet&) {
    try {
      green::yield();
    } catch (const green::BlockingInHubError& e) {
      error = e.what();
    }
  });
  g.join();
  green::sleep(0ms);
  EXPECT_NE(error.find("sleep(0)"), std::string::npos) << error;
}

}  // namespace
}  // namespace green_test

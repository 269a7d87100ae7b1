// hub_set_test.cpp — N hubs (core/hub_set.h), driven from OS threads: greenlets
// placed on every hub, woken from another hub through its mailbox, and the
// deadlock seen only once every hub sleeps with nothing that can wake it.
// Each test runs in a process of its own (gtest_discover_tests), and the set
// is made once per process; the TSan tree runs them too.
#include <stdlib.h>

#include <atomic>
#include <chrono>
#include <memory>
#include <thread>
#include <vector>

#include <gtest/gtest.h>

#include "green/detail/greenlet_core.h"
#include "green/detail/sched.h"
#include "green/greenlet.h"
#include "green/hub.h"
#include "green/sleep.h"
#include "runtime_internal.h"

namespace {

namespace gd = green::detail;
using Clock = std::chrono::steady_clock;

constexpr int kHubs = 4;

// start_on: run `body` in a new greenlet on hub `index` (this one's when -1).
template <class F>
void start_on(int index, F body) {
  if (index < 0 || index == gd::hub_index_here()) {
    green::spawn(std::move(body));
    return;
  }
  auto core = std::make_shared<gd::Task<void, F>>(gd::default_stack_size(), std::move(body));
  ASSERT_TRUE(gd::hub_start(
      index, std::move(core), [](void*) {}, nullptr));
}

TEST(HubSet, GreenletsSpreadOverEveryHubAndAreWokenFromAnother) {
  ::setenv("GREEN_THREADS", "4", 1);
  constexpr int kGreenlets = 2000;
  green::HubHandle home = green::this_hub();
  // Touched on this hub's thread only: every change is posted here.
  int parked = 0, finished = 0;
  int placed[kHubs] = {};
  for (int i = 0; i < kGreenlets; ++i) {
    const int index = gd::hub_pick();
    ASSERT_GE(index, 0);
    ASSERT_LT(index, kHubs);
    ++placed[index];
    start_on(index, [&, index] {
      gd::GreenletCore* me = gd::current_core();
      green::HubHandle mine = green::this_hub();
      // Hub 0 wakes it through its own hub's mailbox: it runs there only
      // once this greenlet parked (its hub runs nothing else meanwhile).
      home.post([&parked, me, mine] {
        ++parked;
        mine.post([me] { gd::wake(me); });
      });
      gd::park("hub_set_test: woken from hub 0");
      gd::hub_unload(index);
      home.post([&finished] { ++finished; });
    });
  }
  EXPECT_EQ(gd::hub_set_size(), static_cast<unsigned>(kHubs));
  // The caller's own thread counts as its hub's first: one fewer there.
  for (int h = 0; h < kHubs; ++h) EXPECT_NEAR(placed[h], kGreenlets / kHubs, 1) << "hub " << h;
  const auto limit = Clock::now() + std::chrono::seconds(30);
  while (finished < kGreenlets && Clock::now() < limit) green::sleep(std::chrono::milliseconds(1));
  EXPECT_EQ(parked, kGreenlets);
  EXPECT_EQ(finished, kGreenlets);
}

std::atomic<int> g_reports{0};
std::atomic<bool> g_sleeper_done{false};
std::atomic<bool> g_report_came_early{false};

void count_report() {
  if (!g_sleeper_done.load()) g_report_came_early.store(true);
  g_reports.fetch_add(1);
}

TEST(HubSet, EveryHubAsleepWithNothingToWakeItIsADeadlockReportedOnce) {
  ::setenv("GREEN_THREADS", "4", 1);
  gd::set_deadlock_reporter(&count_report);
  std::atomic<bool> placed{false};
  // The set's first hub is this OS thread's; it never comes back (a
  // deadlock), so it is not the test's own.
  std::thread first([&placed] {
    for (int i = 0; i < 8; ++i) {
      const int index = gd::hub_pick();
      start_on(index, [i] {
        // One greenlet keeps a timer armed for a while: no report meanwhile.
        if (i == 5) {
          green::sleep(std::chrono::milliseconds(200));
          g_sleeper_done.store(true);
        }
        gd::park("hub_set_test: waits for ever");
      });
    }
    placed.store(true);
    // No LoopExit here although nothing of this hub can wake it: the set
    // holds every hub's loop, and the watchdog decides.
    gd::park("hub_set_test: main waits for ever");
  });
  first.detach();
  const auto limit = Clock::now() + std::chrono::seconds(20);
  while (g_reports.load() == 0 && Clock::now() < limit) std::this_thread::sleep_for(std::chrono::milliseconds(5));
  EXPECT_TRUE(placed.load());
  EXPECT_EQ(g_reports.load(), 1);
  EXPECT_FALSE(g_report_came_early.load()) << "reported while a timer of one hub was still armed";
  // Once per episode: nothing switches any more, so no second report.
  std::this_thread::sleep_for(std::chrono::milliseconds(200));
  EXPECT_EQ(g_reports.load(), 1);
}

}  // namespace

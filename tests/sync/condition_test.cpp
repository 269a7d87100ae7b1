// condition_test.cpp — green/condition.h.
#include "green/condition.h"

#include <deque>
#include <mutex>
#include <vector>

#include "green/wait.h"
#include "toolkit_fixture.h"

namespace toolkit_test {
namespace {

using ConditionTest = ToolkitTest;

TEST_F(ConditionTest, NotifyWakesWaitersInFifoOrderOneAtATime) {
  green::Lock m;
  green::Condition c(m);
  Order woke;
  std::vector<green::Greenlet<void>> gs;
  for (int i = 0; i < 4; ++i)
    gs.push_back(green::spawn([&, i] {
      std::lock_guard hold(c);
      EXPECT_TRUE(c.wait());
      EXPECT_TRUE(m.held()) << "wait returns with the lock held";
      woke.push_back(i);
    }));
  settle();
  EXPECT_EQ(c.waiters(), 4u);
  {
    std::lock_guard hold(c);
    c.notify();
  }
  settle();
  EXPECT_EQ(woke, (Order{0}));
  {
    std::lock_guard hold(c);
    c.notify_all();
  }
  green::joinall(gs);
  EXPECT_EQ(woke, (Order{0, 1, 2, 3}));
}

TEST_F(ConditionTest, WaitUntilTrueWithProducerConsumer) {
  green::Lock m;
  green::Condition c(m);
  std::deque<int> jobs;
  Order got;
  auto consumer = green::spawn([&] {
    for (int n = 0; n < 3; ++n) {
      std::unique_lock hold(c);
      c.wait_until_true([&] { return !jobs.empty(); });
      got.push_back(jobs.front());
      jobs.pop_front();
    }
  });
  for (int i = 1; i <= 3; ++i) {
    green::sleep(1ms);
    std::lock_guard hold(c);
    jobs.push_back(i);
    c.notify();
  }
  consumer.join();
  EXPECT_EQ(got, (Order{1, 2, 3}));
}

TEST_F(ConditionTest, WaitTimesOutWithTheLockHeldAgain) {
  green::Lock m;
  green::Condition c(m);
  std::lock_guard hold(c);
  EXPECT_FALSE(c.wait(5ms));
  EXPECT_TRUE(m.held());
  EXPECT_FALSE(c.wait_until_true([] { return false; }, 5ms));
  EXPECT_EQ(c.waiters(), 0u);
}

TEST_F(ConditionTest, WaitAndNotifyWithoutTheLockThrow) {
  green::Lock m;
  green::Condition c(m);
  EXPECT_THROW(c.wait(1ms), green::LockError);
  EXPECT_THROW(c.notify(), green::LockError);
  EXPECT_THROW(c.notify_all(), green::LockError);
}

class ConditionInterrupt : public ToolkitTest, public testing::WithParamInterface<Interrupt> {};

TEST_P(ConditionInterrupt, InterruptedWaitReacquiresTheLockAndLeavesNoWaiter) {
  green::Lock m;
  green::Condition c(m);
  bool held_after = false;
  EXPECT_TRUE(run_interrupted(GetParam(), [&] {
    std::unique_lock hold(c);
    try {
      c.wait();
    } catch (...) {
      held_after = m.held();
      throw;
    }
  }));
  EXPECT_TRUE(held_after);
  EXPECT_FALSE(m.locked());
  EXPECT_EQ(c.waiters(), 0u);
}

INSTANTIATE_TEST_SUITE_P(All, ConditionInterrupt, testing::Values(Interrupt::kill, Interrupt::timeout), name_of);

TEST_F(ConditionTest, NotificationOfAKilledWaiterPassesToTheNext) {
  green::Lock m;
  green::Condition c(m);
  auto a = green::spawn([&] {
    std::lock_guard hold(c);
    c.wait();
  });
  auto b = green::spawn([&] {
    std::lock_guard hold(c);
    return c.wait(1s);
  });
  settle();
  {
    std::lock_guard hold(c);
    c.notify();  // a is notified
  }
  a.kill(nullptr, false);
  EXPECT_TRUE(b.get()) << "the notification died with a";
  a.join();
}

}  // namespace
}  // namespace toolkit_test

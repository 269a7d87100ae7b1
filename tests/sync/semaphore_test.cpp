// semaphore_test.cpp — green/semaphore.h: Semaphore and BoundedSemaphore.
#include "green/semaphore.h"

#include <functional>
#include <mutex>
#include <stdexcept>
#include <vector>

#include "green/wait.h"
#include "toolkit_fixture.h"

namespace toolkit_test {
namespace {

using SemaphoreTest = ToolkitTest;

TEST_F(SemaphoreTest, WaitersAcquireInFifoOrderAndNewcomersCannotOvertake) {
  green::Semaphore s(1);
  ASSERT_TRUE(s.acquire());
  Order got;
  std::vector<green::Greenlet<void>> gs;
  for (int i = 0; i < 4; ++i)
    gs.push_back(green::spawn([&, i] {
      s.acquire();
      got.push_back(i);
      green::sleep(green::Duration::zero());
      s.release();
    }));
  settle();
  EXPECT_EQ(s.waiters(), 4u);
  s.release();
  // The permit went to greenlet 0, not to the count: a newcomer must fail.
  EXPECT_FALSE(s.try_lock());
  green::joinall(gs);
  EXPECT_EQ(got, (Order{0, 1, 2, 3}));
  EXPECT_EQ(s.counter(), 1u);
}

TEST_F(SemaphoreTest, AcquireTimesOutAndZeroTimeoutOnlyTries) {
  green::Semaphore s(0);
  EXPECT_FALSE(s.acquire(green::Duration::zero()));
  EXPECT_FALSE(s.acquire(10ms));
  EXPECT_FALSE(s.wait(5ms));
  EXPECT_FALSE(s.try_lock_for(1ms));
  EXPECT_EQ(s.waiters(), 0u);
  s.release();
  EXPECT_TRUE(s.wait());
  EXPECT_EQ(s.counter(), 1u) << "wait() does not take the permit";
}

TEST_F(SemaphoreTest, BoundsConcurrencyWithLockGuard) {
  green::Semaphore s(2);
  int inside = 0, most = 0;
  std::vector<green::Greenlet<void>> gs;
  for (int i = 0; i < 6; ++i)
    gs.push_back(green::spawn([&] {
      std::lock_guard hold(s);
      most = std::max(most, ++inside);
      green::sleep(2ms);
      --inside;
    }));
  green::joinall(gs);
  EXPECT_EQ(most, 2);
}

TEST_F(SemaphoreTest, BoundedSemaphoreRefusesReleasePastInitialValue) {
  green::BoundedSemaphore s(2);
  EXPECT_THROW(s.release(), std::logic_error);
  s.acquire();
  s.release();
  EXPECT_THROW(s.release(), std::logic_error);
  EXPECT_EQ(s.counter(), 2u);
  green::Semaphore plain(1);
  plain.release();
  EXPECT_EQ(plain.counter(), 2u) << "an unbounded Semaphore may grow";
}

class SemaphoreInterrupt : public ToolkitTest, public testing::WithParamInterface<Interrupt> {};

TEST_P(SemaphoreInterrupt, InterruptedAcquireLeavesNoWaiter) {
  green::Semaphore s(0);
  EXPECT_TRUE(run_interrupted(GetParam(), [&] { s.acquire(); }));
  EXPECT_EQ(s.waiters(), 0u);
  s.release();
  EXPECT_EQ(s.counter(), 1u) << "the release went to a waiter that was gone";
}

INSTANTIATE_TEST_SUITE_P(All, SemaphoreInterrupt, testing::Values(Interrupt::kill, Interrupt::timeout), name_of);

// A kill and a Timeout reach a waiter the same way (an exception thrown where
// it parked), so one test covers the window between hand-off and resume.
TEST_F(SemaphoreTest, PermitHandedToAKilledWaiterPassesToTheNext) {
  green::Semaphore s(0);
  auto a = green::spawn([&] { s.acquire(); });
  auto b = green::spawn([&] { return s.acquire(1s); });
  settle();
  s.release();             // handed to a, which has not run yet
  a.kill(nullptr, false);  // a dies before it can use it
  EXPECT_TRUE(b.get()) << "the permit was lost with the killed waiter";
  a.join();
}

TEST_F(SemaphoreTest, DummySemaphoreNeverLimits) {
  green::DummySemaphore s;
  for (int i = 0; i < 1000; ++i) EXPECT_TRUE(s.acquire(green::Duration::zero()));
  EXPECT_FALSE(s.locked());
  {
    std::lock_guard<green::DummySemaphore> hold(s);
    EXPECT_TRUE(s.try_lock());
  }
  s.release();
  EXPECT_TRUE(s.wait());
  EXPECT_EQ(s.waiters(), 0u);
}

// gevent: a Semaphore in wait()/iwait() is ready when acquire would not block.
TEST_F(SemaphoreTest, WaitReportsTheSemaphoreThatHasAFreePermit) {
  green::Semaphore a(0), b(0), free_one(1);
  std::vector<green::Semaphore*> both{&a, &b};
  EXPECT_TRUE(green::wait(both, 20ms).empty()) << "no permit is free yet";
  auto releaser = green::spawn([&] {
    green::sleep(10ms);
    b.release();
  });
  auto ready = green::wait(both, 5s, 1);
  ASSERT_EQ(ready.size(), 1u);
  EXPECT_EQ(ready[0], &b);
  EXPECT_EQ(b.counter(), 1u) << "waiting took the permit";
  releaser.join();
  std::vector<std::reference_wrapper<green::Semaphore>> at_once{std::ref(free_one)};
  EXPECT_EQ(green::wait(at_once, 5s).size(), 1u);
  // A release handed to a parked acquirer frees nothing: not ready.
  ASSERT_TRUE(free_one.acquire());
  auto taker = green::spawn([&] { free_one.acquire(); });
  settle();
  free_one.release();
  EXPECT_TRUE(green::wait(at_once, 20ms).empty());
  taker.join();
}

}  // namespace
}  // namespace toolkit_test

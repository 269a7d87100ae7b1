// lock_test.cpp — green/lock.h: Lock and RLock.
#include "green/lock.h"

#include <mutex>
#include <vector>

#include "green/wait.h"
#include "toolkit_fixture.h"

namespace toolkit_test {
namespace {

using LockTest = ToolkitTest;

TEST_F(LockTest, LockGuardSerializesAndWaitersGetItInFifoOrder) {
  green::Lock m;
  Order got;
  int inside = 0, most = 0;
  std::vector<green::Greenlet<void>> gs;
  for (int i = 0; i < 5; ++i)
    gs.push_back(green::spawn([&, i] {
      std::lock_guard hold(m);
      got.push_back(i);
      most = std::max(most, ++inside);
      green::sleep(1ms);
      --inside;
    }));
  green::joinall(gs);
  EXPECT_EQ(most, 1);
  EXPECT_EQ(got, (Order{0, 1, 2, 3, 4}));
  EXPECT_FALSE(m.locked());
}

TEST_F(LockTest, ReleaseByANonOwnerThrows) {
  green::Lock m;
  EXPECT_THROW(m.release(), green::LockError) << "not held at all";
  m.lock();
  auto other = green::spawn([&] { EXPECT_THROW(m.release(), green::LockError); });
  other.join();
  EXPECT_TRUE(m.held());
  m.unlock();
}

TEST_F(LockTest, ReacquiringALockYouHoldThrowsInsteadOfDeadlocking) {
  green::Lock m;
  std::lock_guard hold(m);
  EXPECT_THROW(m.acquire(), green::LockError);
}

TEST_F(LockTest, AcquireTimesOutAndUniqueLockTryForWorks) {
  green::Lock m;
  auto holder = green::spawn([&] {
    std::lock_guard hold(m);
    green::sleep(50ms);
  });
  settle();
  EXPECT_FALSE(m.acquire(5ms));
  EXPECT_FALSE(m.try_lock());
  std::unique_lock<green::Lock> later(m, 5s);  // try_lock_for
  EXPECT_TRUE(later.owns_lock());
  later.unlock();
  holder.join();
}

TEST_F(LockTest, RLockIsReentrantAndFreedByTheLastRelease) {
  green::RLock m;
  {
    std::lock_guard a(m);
    std::lock_guard b(m);
    EXPECT_EQ(m.depth(), 2u);
    auto other = green::spawn([&] { return m.acquire(5ms); });
    EXPECT_FALSE(other.get());
  }
  EXPECT_FALSE(m.locked());
  auto other = green::spawn([&] {
    std::lock_guard hold(m);
    return true;
  });
  EXPECT_TRUE(other.get());
}

TEST_F(LockTest, RLockReleaseByANonOwnerThrows) {
  green::RLock m;
  EXPECT_THROW(m.release(), green::LockError);
  std::lock_guard hold(m);
  auto other = green::spawn([&] { EXPECT_THROW(m.release(), green::LockError); });
  other.join();
  EXPECT_EQ(m.depth(), 1u);
}

class LockInterrupt : public ToolkitTest, public testing::WithParamInterface<Interrupt> {};

TEST_P(LockInterrupt, InterruptedAcquireLeavesNoWaiterAndTheLockUsable) {
  green::Lock m;
  green::RLock r;
  m.lock();
  r.lock();
  EXPECT_TRUE(run_interrupted(GetParam(), [&] { m.acquire(); }));
  EXPECT_TRUE(run_interrupted(GetParam(), [&] { r.acquire(); }));
  m.unlock();
  r.unlock();
  EXPECT_FALSE(m.locked()) << "the lock was handed to a dead waiter";
  EXPECT_FALSE(r.locked());
}

INSTANTIATE_TEST_SUITE_P(All, LockInterrupt, testing::Values(Interrupt::kill, Interrupt::timeout), name_of);

TEST_F(LockTest, LockHandedToAKilledWaiterPassesToTheNext) {
  green::Lock m;
  m.lock();
  auto a = green::spawn([&] { m.lock(); });
  auto b = green::spawn([&] {
    bool got = m.acquire(1s);
    if (got) m.release();
    return got;
  });
  settle();
  m.unlock();
  a.kill(nullptr, false);
  EXPECT_TRUE(b.get());
  a.join();
  EXPECT_FALSE(m.locked());
}

}  // namespace
}  // namespace toolkit_test

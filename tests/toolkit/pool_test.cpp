// pool_test.cpp — green/pool.h: Group and Pool.
#include "green/pool.h"

#include <algorithm>
#include <memory>
#include <stdexcept>
#include <vector>

#include "green/wait.h"
#include "toolkit_fixture.h"

namespace toolkit_test {
namespace {

using PoolTest = ToolkitTest;

TEST_F(PoolTest, PoolBoundsConcurrencyExactly) {
  green::Pool pool(3);
  int running = 0, most = 0;
  for (int i = 0; i < 12; ++i)
    pool.spawn([&] {
      most = std::max(most, ++running);
      green::sleep(2ms);
      --running;
    });
  EXPECT_TRUE(pool.join());
  EXPECT_EQ(most, 3);
  EXPECT_EQ(pool.free_count(), 3u);
  EXPECT_EQ(pool.size(), 0u);
}

TEST_F(PoolTest, AFullPoolSpawnWaitsForAFreeSlotInFifoOrder) {
  green::Pool pool(1);
  Order started;
  pool.spawn([&] { green::sleep(5ms); });
  EXPECT_TRUE(pool.full());
  EXPECT_EQ(pool.wait_available(green::Duration::zero()), 0u);
  std::vector<green::Greenlet<void>> spawners;
  for (int i = 0; i < 3; ++i)
    spawners.push_back(green::spawn([&, i] { pool.spawn([&, i] { started.push_back(i); }); }));
  green::joinall(spawners);
  pool.join();
  EXPECT_EQ(started, (Order{0, 1, 2}));
  EXPECT_EQ(pool.wait_available(), 1u);
}

TEST_F(PoolTest, InterruptedSpawnInAFullPoolSpawnsNothing) {
  green::Pool pool(1);
  auto busy = pool.spawn([] { green::sleep(10s); });
  for (Interrupt how : {Interrupt::kill, Interrupt::timeout}) {
    EXPECT_TRUE(run_interrupted(how, [&] { pool.spawn([] {}); }));
  }
  EXPECT_EQ(pool.size(), 1u);
  pool.kill();
  EXPECT_EQ(pool.free_count(), 1u);
}

TEST_F(PoolTest, JoinTimesOutAndRaisesTheFirstFailure) {
  testing::internal::CaptureStderr();
  green::Group group;
  group.spawn([] { green::sleep(10s); });
  EXPECT_FALSE(group.join(5ms));
  group.spawn([] {
    green::sleep(1ms);
    throw std::runtime_error("bad");
  });
  // raise_error looks at the members present when join was called (gevent).
  EXPECT_THROW(group.join(20ms, true), std::runtime_error);
  EXPECT_TRUE(group.kill());
  EXPECT_EQ(group.size(), 0u);
  testing::internal::GetCapturedStderr();
}

TEST_F(PoolTest, AddDiscardAndContains) {
  green::Group group;
  auto g = green::spawn([] { green::sleep(10s); });
  group.add(g);
  EXPECT_TRUE(group.contains(g));
  group.discard(g);
  EXPECT_FALSE(group.contains(g));
  EXPECT_TRUE(group.join(green::Duration::zero()));
  g.kill();
}

TEST_F(PoolTest, MapReturnsInputOrder) {
  green::Pool pool(2);
  std::vector<int> in{30, 10, 20};
  auto out = pool.map(
      [](int ms) {
        green::sleep(std::chrono::milliseconds(ms));
        return ms / 10;
      },
      in);
  EXPECT_EQ(out, (Order{3, 1, 2}));
}

TEST_F(PoolTest, ImapYieldsInInputOrderAndImapUnorderedInCompletionOrder) {
  green::Pool pool(4);
  std::vector<int> in{30, 10, 20};
  auto work = [](int ms) {
    green::sleep(std::chrono::milliseconds(ms));
    return ms / 10;
  };
  Order ordered, unordered;
  for (int v : pool.imap(work, in)) ordered.push_back(v);
  for (int v : pool.imap_unordered(work, in)) unordered.push_back(v);
  EXPECT_EQ(ordered, (Order{3, 1, 2}));
  EXPECT_EQ(unordered, (Order{1, 2, 3}));
}

TEST_F(PoolTest, ImapRethrowsAFailureAndAnAbandonedImapStopsSpawning) {
  testing::internal::CaptureStderr();
  green::Pool pool(1);
  std::vector<int> in{1, 0, 2};
  auto m = pool.imap(
      [](int v) {
        if (v == 0) throw std::runtime_error("zero");
        return v;
      },
      in);
  EXPECT_EQ(m.next(), 1);
  EXPECT_THROW(m.next(), std::runtime_error);
  EXPECT_EQ(m.next(), 2);
  EXPECT_EQ(m.next(), std::nullopt);
  int ran = 0;
  std::vector<int> many(10, 1);
  {
    auto abandoned = pool.imap([&](int) { return ++ran; }, many);
    EXPECT_EQ(abandoned.next(), 1);
  }
  pool.join();
  EXPECT_LT(ran, 10);
  testing::internal::GetCapturedStderr();
}

TEST_F(PoolTest, ApplyRunsInThePoolAndDirectlyFromAMember) {
  green::Pool pool(1);
  EXPECT_EQ(pool.apply([](int a) { return a + 1; }, 1), 2);
  // From a member of a full pool: must not wait for a slot (it would deadlock).
  auto g = pool.spawn([&] { return pool.apply([] { return 5; }); });
  EXPECT_EQ(g.get(), 5);
  EXPECT_THROW(green::Pool(0), std::invalid_argument);
}

TEST_F(PoolTest, ApplyAsyncReturnsAtOnceWithAnAsyncResult) {
  green::Pool pool(2);
  auto r = pool.apply_async([](int x) { return x * 3; }, 14);
  EXPECT_FALSE(r->ready());
  auto fails = pool.apply_async([]() -> int { throw std::runtime_error("apply_async failed"); });
  std::vector<std::shared_ptr<green::AsyncResult<int>>> both{r, fails};
  EXPECT_EQ(green::wait(both, 5s).size(), 2u);
  EXPECT_EQ(r->get(), 42);
  EXPECT_THROW(fails->get(), std::runtime_error);
  pool.join();
}

TEST_F(PoolTest, AddWithoutBlockingFailsWithPoolFull) {
  green::Pool pool(1);
  auto busy = pool.spawn([] { green::sleep(10s); });
  auto other = green::spawn([] { green::sleep(10s); });
  EXPECT_THROW(pool.add(other, false), green::PoolFull);
  EXPECT_THROW(pool.add(other, true, 10ms), green::PoolFull);
  EXPECT_FALSE(pool.contains(other));
  busy.kill();
  pool.add(other, false);  // a slot is free now
  EXPECT_TRUE(pool.contains(other));
  pool.kill();
}

TEST_F(PoolTest, KilloneKillsOneMemberAndFreesItsSlot) {
  green::Pool pool(2);
  auto a = pool.spawn([] { green::sleep(10s); });
  auto b = pool.spawn([] { green::sleep(10s); });
  auto stranger = green::spawn([] { green::sleep(10s); });
  EXPECT_FALSE(pool.killone(stranger, nullptr, true, 1s)) << "not a member: left alone";
  EXPECT_FALSE(stranger.ready());
  EXPECT_TRUE(pool.killone(a, nullptr, true, 5s));
  EXPECT_TRUE(a.ready());
  EXPECT_FALSE(b.ready());
  EXPECT_EQ(pool.size(), 1u);
  EXPECT_EQ(pool.free_count(), 1u);
  pool.killone(b, nullptr, false);
  EXPECT_TRUE(pool.join(5s));
  stranger.kill();
}

// A consumer that takes its time: imap keeps at most `maxsize` calls started
// and not yet consumed, instead of running ahead through all 50 inputs.
TEST_F(PoolTest, ImapBoundsTheResultsWaitingForASlowConsumer) {
  green::Pool pool(8);
  int started = 0, consumed = 0, most_ahead = 0;
  std::vector<int> inputs(50);
  for (int i = 0; i < 50; ++i) inputs[i] = i;
  auto results = pool.imap(
      [&](int x) {
        ++started;
        most_ahead = std::max(most_ahead, started - consumed);
        return x;
      },
      inputs, 4);
  int expect = 0;
  for (int v : results) {
    EXPECT_EQ(v, expect++);
    ++consumed;
    green::sleep(1ms);  // slow consumer: the calls are faster
  }
  EXPECT_EQ(consumed, 50);
  EXPECT_LE(most_ahead, 4) << "results piled up past the bound";
  EXPECT_GE(most_ahead, 2) << "the bound serialised the calls";
  pool.join();
}

}  // namespace
}  // namespace toolkit_test

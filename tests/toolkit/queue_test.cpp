// queue_test.cpp — green/queue.h: Queue, LifoQueue, PriorityQueue, JoinableQueue.
#include "green/queue.h"

#include <string>
#include <vector>

#include "green/wait.h"
#include "toolkit_fixture.h"

namespace toolkit_test {
namespace {

using QueueTest = ToolkitTest;

TEST_F(QueueTest, OrdersOfTheThreeKinds) {
  green::Queue<int> fifo;
  green::LifoQueue<int> lifo;
  green::PriorityQueue<int> prio;
  for (int v : {3, 1, 2}) {
    fifo.put(v);
    lifo.put(v);
    prio.put(v);
  }
  Order f, l, p;
  for (int i = 0; i < 3; ++i) {
    f.push_back(fifo.get());
    l.push_back(lifo.get());
    p.push_back(prio.get());
  }
  EXPECT_EQ(f, (Order{3, 1, 2}));
  EXPECT_EQ(l, (Order{2, 1, 3}));
  EXPECT_EQ(p, (Order{1, 2, 3}));
}

TEST_F(QueueTest, PeekShowsTheNextItemWithoutTakingIt) {
  green::Queue<int> q;
  EXPECT_THROW(q.peek_nowait(), green::QueueEmpty);
  EXPECT_THROW(q.peek(1ms), green::Timeout);
  int seen = 0;
  auto peeker = green::spawn([&] { seen = q.peek(10s); });
  auto getter = green::spawn([&] { return q.get(10s); });
  green::sleep(0ms);
  q.put(7);
  q.put(8);
  EXPECT_EQ(getter.get(), 7) << "a parked getter still gets the item a peeker saw";
  peeker.join();
  EXPECT_EQ(seen, 7);
  EXPECT_EQ(q.peek_nowait(), 8);
  EXPECT_EQ(q.size(), 1u);
  green::LifoQueue<int> lifo;
  lifo.put(1);
  lifo.put(2);
  EXPECT_EQ(lifo.peek(), 2);
  green::PriorityQueue<int> pq;
  pq.put(5);
  pq.put(3);
  EXPECT_EQ(pq.peek(), 3);
  q.close();
  EXPECT_EQ(q.peek_nowait(), 8) << "closed, not yet drained";
  q.get();
  EXPECT_THROW(q.peek_nowait(), green::QueueShutDown);
}

TEST_F(QueueTest, GettersAreServedInFifoOrder) {
  green::Queue<int> q;
  Order got;
  std::vector<green::Greenlet<void>> gs;
  for (int i = 0; i < 4; ++i) gs.push_back(green::spawn([&, i] { got.push_back(i * 10 + q.get()); }));
  settle();
  EXPECT_EQ(q.getters(), 4u);
  for (int v = 1; v <= 4; ++v) q.put(v);
  // A newcomer must not overtake the getters already notified.
  EXPECT_FALSE(q.try_get().has_value());
  green::joinall(gs);
  EXPECT_EQ(got, (Order{1, 12, 23, 34}));
}

TEST_F(QueueTest, PuttersOfAFullQueueAreServedInFifoOrder) {
  green::Queue<int> q(1);
  q.put(0);
  std::vector<green::Greenlet<void>> gs;
  for (int i = 1; i <= 3; ++i) gs.push_back(green::spawn([&, i] { q.put(i); }));
  settle();
  EXPECT_EQ(q.putters(), 3u);
  EXPECT_TRUE(q.full());
  Order got;
  for (int i = 0; i < 4; ++i) got.push_back(q.get());
  green::joinall(gs);
  EXPECT_EQ(got, (Order{0, 1, 2, 3}));
}

TEST_F(QueueTest, TimeoutsAndNowaitErrors) {
  green::Queue<int> q(1);
  EXPECT_THROW(q.get(5ms), green::Timeout);
  EXPECT_FALSE(q.try_get(5ms).has_value());
  EXPECT_THROW(q.get_nowait(), green::QueueEmpty);
  q.put_nowait(1);
  EXPECT_THROW(q.put(2, 5ms), green::Timeout);
  EXPECT_FALSE(q.try_put(2, 5ms));
  EXPECT_THROW(q.put_nowait(2), green::QueueFull);
  EXPECT_EQ(q.get_nowait(), 1);
  EXPECT_EQ(q.getters() + q.putters(), 0u);
}

TEST_F(QueueTest, CloseWakesEveryGetterAndPutterWithShutDown) {
  green::Queue<int> empty;
  green::Queue<int> full(1);
  full.put(9);
  int shut = 0;
  std::vector<green::Greenlet<void>> gs;
  for (int i = 0; i < 3; ++i) {
    gs.push_back(green::spawn([&] {
      try {
        empty.get();
      } catch (const green::QueueShutDown&) {
        ++shut;
      }
    }));
    gs.push_back(green::spawn([&] {
      try {
        full.put(1);
      } catch (const green::QueueShutDown&) {
        ++shut;
      }
    }));
  }
  settle();
  empty.close();
  full.close();
  green::joinall(gs);
  EXPECT_EQ(shut, 6);
  EXPECT_THROW(empty.put(1), green::QueueShutDown);
  EXPECT_EQ(full.get(), 9) << "a closed queue still drains";
  EXPECT_THROW(full.get(), green::QueueShutDown);
}

TEST_F(QueueTest, IteratingAClosedQueueEndsAfterTheLastItem) {
  green::Queue<std::string> q(2);
  auto producer = green::spawn([&] {
    for (const char* s : {"a", "b", "c", "d"}) q.put(s);
    q.close();
  });
  std::string all;
  for (auto& s : q) all += s;
  EXPECT_EQ(all, "abcd");
  producer.join();
  green::Queue<int> dropped;
  dropped.put(1);
  dropped.shutdown(true);
  EXPECT_THROW(dropped.get_nowait(), green::QueueShutDown);
}

class QueueInterrupt : public ToolkitTest, public testing::WithParamInterface<Interrupt> {};

TEST_P(QueueInterrupt, InterruptedGetAndPutLeaveNoWaiter) {
  green::Queue<int> q(1);
  EXPECT_TRUE(run_interrupted(GetParam(), [&] { q.get(); }));
  EXPECT_EQ(q.getters(), 0u);
  q.put(1);
  EXPECT_TRUE(run_interrupted(GetParam(), [&] { q.put(2); }));
  EXPECT_EQ(q.putters(), 0u);
  EXPECT_EQ(q.get_nowait(), 1) << "the item went to an interrupted getter";
  EXPECT_TRUE(q.empty());
}

INSTANTIATE_TEST_SUITE_P(All, QueueInterrupt, testing::Values(Interrupt::kill, Interrupt::timeout), name_of);

TEST_F(QueueTest, AnItemMeantForAKilledGetterGoesToTheNext) {
  green::Queue<int> q;
  auto a = green::spawn([&] { return q.get(); });
  auto b = green::spawn([&] { return q.get(); });
  settle();
  q.put(7);                // a is told; it has not taken the item yet
  a.kill(nullptr, false);  // a dies before it runs
  // (A timed get would re-check on expiry and hide a lost wakeup.)
  EXPECT_TRUE(b.join(1s)) << "the wakeup was lost with the killed getter";
  b.kill();
  EXPECT_EQ(b.get(), 7);
  a.join();
  EXPECT_TRUE(q.empty());
}

TEST_F(QueueTest, ASlotMeantForAKilledPutterGoesToTheNext) {
  green::Queue<int> q(1);
  q.put(0);
  auto a = green::spawn([&] { q.put(1); });
  auto b = green::spawn([&] { q.put(2); });
  settle();
  EXPECT_EQ(q.get(), 0);  // a is told a slot is free
  a.kill(nullptr, false);
  EXPECT_TRUE(b.join(1s)) << "the wakeup was lost with the killed putter";
  b.kill();
  a.join();
  EXPECT_EQ(q.get_nowait(), 2);
}

TEST_F(QueueTest, JoinableQueueJoinWaitsForEveryTaskDone) {
  green::JoinableQueue<int> q;
  EXPECT_TRUE(q.join(1ms)) << "nothing put yet";
  Order done;
  auto worker = green::spawn([&] {
    for (int v : q) {
      green::sleep(1ms);
      done.push_back(v);
      q.task_done();
    }
  });
  for (int i = 0; i < 3; ++i) q.put(i);
  EXPECT_FALSE(q.join(green::Duration::zero()));
  EXPECT_TRUE(q.join());
  EXPECT_EQ(done, (Order{0, 1, 2}));
  EXPECT_EQ(q.unfinished(), 0u);
  EXPECT_THROW(q.task_done(), std::logic_error);
  q.close();
  worker.join();
}

}  // namespace
}  // namespace toolkit_test

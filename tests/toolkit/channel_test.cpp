// channel_test.cpp — green/channel.h: the rendezvous Channel.
#include "green/channel.h"

#include <vector>

#include "green/wait.h"
#include "toolkit_fixture.h"

namespace toolkit_test {
namespace {

using ChannelTest = ToolkitTest;

TEST_F(ChannelTest, PutReturnsOnlyOnceAGetterTookTheItem) {
  green::Channel<int> ch;
  bool returned = false;
  auto p = green::spawn([&] {
    ch.put(5);
    returned = true;
  });
  settle();
  EXPECT_FALSE(returned);
  EXPECT_EQ(ch.putters(), 1u);
  EXPECT_EQ(ch.get(), 5);
  p.join();
  EXPECT_TRUE(returned);
}

TEST_F(ChannelTest, GettersAndPuttersAreServedInFifoOrder) {
  green::Channel<int> ch;
  Order got;
  std::vector<green::Greenlet<void>> gs;
  for (int i = 0; i < 3; ++i) gs.push_back(green::spawn([&, i] { got.push_back(i * 10 + ch.get()); }));
  settle();
  for (int v = 1; v <= 3; ++v) gs.push_back(green::spawn([&, v] { ch.put(v); }));
  green::joinall(gs);
  EXPECT_EQ(got, (Order{1, 12, 23}));
}

TEST_F(ChannelTest, TimeoutsOnBothSides) {
  green::Channel<int> ch;
  EXPECT_THROW(ch.get(5ms), green::Timeout);
  EXPECT_FALSE(ch.try_get().has_value());
  EXPECT_THROW(ch.put(1, 5ms), green::Timeout);
  EXPECT_FALSE(ch.try_put(1, 5ms));
  EXPECT_FALSE(ch.try_put(1, green::Duration::zero()));
  EXPECT_EQ(ch.getters() + ch.putters(), 0u);
}

TEST_F(ChannelTest, CloseWakesEveryone) {
  green::Channel<int> ch;
  int shut = 0;
  std::vector<green::Greenlet<void>> gs;
  for (int i = 0; i < 2; ++i)
    gs.push_back(green::spawn([&] {
      try {
        ch.get();
      } catch (const green::QueueShutDown&) {
        ++shut;
      }
    }));
  settle();
  ch.close();
  green::joinall(gs);
  EXPECT_EQ(shut, 2);
  EXPECT_THROW(ch.put(1, 1s), green::QueueShutDown);
}

class ChannelInterrupt : public ToolkitTest, public testing::WithParamInterface<Interrupt> {};

TEST_P(ChannelInterrupt, InterruptedGetAndPutLeaveNoWaiter) {
  green::Channel<int> ch;
  EXPECT_TRUE(run_interrupted(GetParam(), [&] { ch.get(); }));
  EXPECT_TRUE(run_interrupted(GetParam(), [&] { ch.put(1); }));
  EXPECT_EQ(ch.getters() + ch.putters(), 0u);
  EXPECT_FALSE(ch.try_get().has_value()) << "an interrupted putter's item is still offered";
}

INSTANTIATE_TEST_SUITE_P(All, ChannelInterrupt, testing::Values(Interrupt::kill, Interrupt::timeout), name_of);

TEST_F(ChannelTest, AnItemOfferedToAKilledGetterGoesToTheNext) {
  green::Channel<int> ch;
  auto a = green::spawn([&] { return ch.get(); });
  auto b = green::spawn([&] { return ch.get(); });
  settle();
  auto p = green::spawn([&] { ch.put(4); });
  green::sleep(green::Duration::zero());  // p runs and tells a
  a.kill(nullptr, false);
  EXPECT_TRUE(b.join(1s)) << "the wakeup was lost with the killed getter";
  b.kill();
  p.kill();
  EXPECT_EQ(b.get(), 4);
  a.join();
}

// gevent's put(block=False) / get(block=False): only with a partner already waiting.
TEST_F(ChannelTest, NowaitFormsNeedAPartnerAlreadyWaiting) {
  green::Channel<int> ch;
  EXPECT_THROW(ch.put_nowait(1), green::QueueFull);
  EXPECT_THROW(ch.get_nowait(), green::QueueEmpty);
  auto getter = green::spawn([&] { return ch.get(); });
  settle();
  ch.put_nowait(7);  // returns at once, before the getter ran
  EXPECT_FALSE(getter.ready());
  EXPECT_THROW(ch.put_nowait(8), green::QueueFull) << "one waiting getter took two items";
  EXPECT_EQ(getter.get(), 7);
  bool put_returned = false;
  auto putter = green::spawn([&] {
    ch.put(9);
    put_returned = true;
  });
  settle();
  EXPECT_EQ(ch.get_nowait(), 9);
  putter.join();
  EXPECT_TRUE(put_returned);
  ch.close();
  EXPECT_THROW(ch.put_nowait(1), green::QueueShutDown);
  EXPECT_THROW(ch.get_nowait(), green::QueueShutDown);
}

TEST_F(ChannelTest, AnItemHandedToAKilledGetterGoesToTheNext) {
  green::Channel<int> ch;
  auto a = green::spawn([&] { return ch.get(); });
  auto b = green::spawn([&] { return ch.get(); });
  settle();
  ch.put_nowait(4);
  a.kill(nullptr, false);
  EXPECT_TRUE(b.join(1s)) << "the item was lost with the killed getter";
  EXPECT_EQ(b.get(), 4);
  a.join();
}

TEST_F(ChannelTest, IterationEndsWhenTheChannelIsClosed) {
  green::Channel<int> ch;
  auto producer = green::spawn([&] {
    for (int i = 0; i < 3; ++i) ch.put(i);
    ch.close();
  });
  std::vector<int> got;
  for (int v : ch) {
    got.push_back(v);
    if (got.size() > 10) break;  // bounded: a missing end would fail, not hang
  }
  EXPECT_EQ(got, (std::vector<int>{0, 1, 2}));
  producer.join();
}

}  // namespace
}  // namespace toolkit_test

// waiter_test.cpp — green/waiter.h: the one-shot mailbox every wait is built on.
#include "green/waiter.h"

#include <stdexcept>
#include <string>
#include <vector>

#include "fixture.h"

namespace green_test {
namespace {

using Waiter = GreenTest;

TEST_F(Waiter, SwitchBeforeGetReturnsAtOnceWithoutSwitching) {
  green::Waiter<int> w;
  w.switch_(5);
  EXPECT_TRUE(w.ready());
  auto before = green::hub_stats().switches;
  EXPECT_EQ(w.get(), 5);
  EXPECT_EQ(green::hub_stats().switches, before);
}

TEST_F(Waiter, GetParksUntilAnotherGreenletSwitches) {
  Log log;
  green::Waiter<std::string> w;
  auto g = green::spawn([&] {
    log("waker");
    w.switch_("hello");
    log("waker done");
  });
  log("get");
  std::string v = w.get();
  log("got " + v);
  g.join();
  EXPECT_EQ(log.entries, (std::vector<std::string>{"get", "waker", "waker done", "got hello"}));
}

TEST_F(Waiter, ThrowMakesGetThrow) {
  green::Waiter<int> w;
  auto g = green::spawn([&] { w.throw_(std::make_exception_ptr(std::runtime_error("nope"))); });
  EXPECT_THROW(w.get(), std::runtime_error);
  g.join();
}

TEST_F(Waiter, WaitTimesOutAndStaysArmed) {
  green::Waiter<int> w;
  auto start = std::chrono::steady_clock::now();
  EXPECT_FALSE(w.wait(20ms));
  EXPECT_GE(ms_since(start), 20);
  EXPECT_FALSE(w.ready());
  auto g = green::spawn([&] { w.switch_(3); });
  EXPECT_TRUE(w.wait(5s));
  EXPECT_EQ(w.get(), 3);
  g.join();
}

TEST_F(Waiter, ResetMakesItReusable) {
  green::Waiter<void> w;
  w.switch_();
  EXPECT_TRUE(w.ready());
  w.get();
  w.reset();
  EXPECT_FALSE(w.ready());
  EXPECT_FALSE(w.wait(1ms));
  w.throw_(std::make_exception_ptr(std::logic_error("x")));
  EXPECT_THROW(w.get(), std::logic_error);
  w.reset();
  EXPECT_NO_THROW(w.switch_());
  EXPECT_NO_THROW(w.get());
}

TEST_F(Waiter, ALinkCallbackCanWakeTheWaiter) {
  Log log;
  green::Waiter<void> w;
  auto g = green::spawn([] {});
  g.rawlink([&](const green::AnyGreenlet&) {
    log("link");
    w.switch_();
  });
  w.get();
  log("woken");
  EXPECT_EQ(log.entries, (std::vector<std::string>{"link", "woken"}));
}

TEST_F(Waiter, TimeoutInterruptsGet) {
  green::Waiter<int> w;
  green::Timeout t(10ms);
  try {
    w.get();
    FAIL() << "get() returned";
  } catch (const green::Timeout& e) {
    EXPECT_TRUE(e == t);
  }
}

TEST_F(Waiter, KillInterruptsAGreenletInGet) {
  green::Waiter<int> w;
  bool returned = false;
  auto g = green::spawn([&] {
    w.get();
    returned = true;
  });
  green::sleep(0ms);
  EXPECT_TRUE(g.kill());
  EXPECT_FALSE(returned);
  w.switch_(1);  // a late switch to a Waiter nobody waits on is harmless
}

TEST_F(Waiter, AGetNothingCanWakeNamesItsReason) {
  green::Waiter<int> w;
  try {
    w.get("the answer from the test");
    FAIL() << "get() returned";
  } catch (const green::LoopExit& e) {
    EXPECT_NE(std::string(e.what()).find("the answer from the test"), std::string::npos) << e.what();
  }
}

}  // namespace
}  // namespace green_test

// event_test.cpp — green/event.h: Event and AsyncResult.
#include "green/event.h"

#include <functional>
#include <stdexcept>
#include <vector>

#include "green/wait.h"
#include "toolkit_fixture.h"

namespace toolkit_test {
namespace {

using EventTest = ToolkitTest;

TEST_F(EventTest, SetReleasesEveryWaiterInFifoOrder) {
  green::Event e;
  Order woke;
  std::vector<green::Greenlet<void>> gs;
  for (int i = 0; i < 5; ++i)
    gs.push_back(green::spawn([&, i] {
      EXPECT_TRUE(e.wait());
      woke.push_back(i);
    }));
  settle();
  EXPECT_TRUE(woke.empty());
  e.set();
  green::joinall(gs);
  EXPECT_EQ(woke, (Order{0, 1, 2, 3, 4}));
}

TEST_F(EventTest, WaitTimesOutWithFalseAndIsSetReportsTheFlag) {
  green::Event e;
  EXPECT_FALSE(e.is_set());
  EXPECT_FALSE(e.wait(10ms));
  EXPECT_FALSE(e.wait(green::Duration::zero()));
  e.set();
  EXPECT_TRUE(e.is_set());
  EXPECT_TRUE(e.wait(green::Duration::zero()));
  e.clear();
  EXPECT_FALSE(e.wait(1ms));
}

TEST_F(EventTest, SetThenClearStillReleasesWaitersThatWereWaiting) {
  green::Event e;
  bool result = false;
  auto g = green::spawn([&] { result = e.wait(); });
  settle();
  e.set();
  e.clear();
  g.join();
  EXPECT_TRUE(result);
}

class EventInterrupt : public ToolkitTest, public testing::WithParamInterface<Interrupt> {};

TEST_P(EventInterrupt, InterruptsWaitAndLeavesNoWaiter) {
  green::Event e;
  EXPECT_TRUE(run_interrupted(GetParam(), [&] { e.wait(); }));
  // A waiter left linked would fire into a dead stack frame here.
  e.set();
  settle();
}

TEST_P(EventInterrupt, InterruptsAsyncResultGet) {
  green::AsyncResult<int> r;
  EXPECT_TRUE(run_interrupted(GetParam(), [&] { r.get(); }));
  r.set(1);
  settle();
}

INSTANTIATE_TEST_SUITE_P(All, EventInterrupt, testing::Values(Interrupt::kill, Interrupt::timeout), name_of);

TEST_F(EventTest, AsyncResultDeliversValueToAllGettersInOrder) {
  green::AsyncResult<int> r;
  Order got;
  std::vector<green::Greenlet<void>> gs;
  for (int i = 0; i < 3; ++i) gs.push_back(green::spawn([&, i] { got.push_back(r.get() * 10 + i); }));
  settle();
  EXPECT_FALSE(r.ready());
  r.set(4);
  green::joinall(gs);
  EXPECT_EQ(got, (Order{40, 41, 42}));
  EXPECT_TRUE(r.successful());
  EXPECT_EQ(r.get_nowait(), 4);
}

TEST_F(EventTest, AsyncResultRethrowsTheExceptionAndTimesOutWithTimeout) {
  green::AsyncResult<int> r;
  EXPECT_THROW(r.get(5ms), green::Timeout);
  EXPECT_FALSE(r.wait(1ms));
  r.set_exception(std::make_exception_ptr(std::runtime_error("boom")));
  EXPECT_TRUE(r.ready());
  EXPECT_FALSE(r.successful());
  EXPECT_TRUE(r.wait());
  EXPECT_THROW(r.get(), std::runtime_error);
}

TEST_F(EventTest, AsyncResultIsALinkTarget) {
  green::AsyncResult<int> ok;
  green::AsyncResult<int> failed;
  green::AsyncResult<void> killed;
  auto a = green::spawn([] { return 7; });
  a.link(std::ref(ok));
  testing::internal::CaptureStderr();
  auto b = green::spawn([]() -> int { throw std::runtime_error("bad"); });
  b.link(std::ref(failed));
  auto c = green::spawn([] { green::sleep(10s); });
  c.link(std::ref(killed));
  // And the lambda form from the docs.
  green::AsyncResult<int> via_lambda;
  a.link([&](const green::AnyGreenlet&) { via_lambda.set(a.get() + 1); });
  settle();
  c.kill();
  EXPECT_EQ(ok.get(), 7);
  EXPECT_EQ(via_lambda.get(), 8);
  EXPECT_THROW(failed.get(), std::runtime_error);
  EXPECT_NO_THROW(killed.get()) << "killed by GreenletExit is not a failure (gevent), as for Greenlet<void>::get";
  testing::internal::GetCapturedStderr();
}

TEST_F(EventTest, WaitAndIwaitAcceptPointersAndReferenceWrappers) {
  green::Event a, b, c;
  auto setter = green::spawn([&] {
    green::sleep(20ms);
    c.set();
    green::sleep(20ms);
    a.set();
  });
  std::vector<green::Event*> ptrs{&a, &b, &c};
  auto ready = green::wait(ptrs, green::forever, 2);
  ASSERT_EQ(ready.size(), 2u);
  EXPECT_EQ(ready[0], &c);
  EXPECT_EQ(ready[1], &a);
  green::AsyncResult<int> r;
  r.set(3);
  std::vector<std::reference_wrapper<green::AsyncResult<int>>> refs{std::ref(r)};
  for (auto& x : green::iwait(refs)) EXPECT_EQ(x.get().get(), 3);
  setter.join();
}

}  // namespace
}  // namespace toolkit_test

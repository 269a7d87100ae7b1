// select_test.cpp — green/select.h: select, poll_fds and select over objects.
#include "green/select.h"

#include <fcntl.h>
#include <unistd.h>

#include <functional>
#include <vector>

#include "green/event.h"
#include "net.h"
#include "toolkit_fixture.h"

namespace toolkit_test {
namespace {

using SelectTest = ToolkitTest;

TEST_F(SelectTest, ReturnsTheReadableFdsOnceDataArrives) {
  auto [a1, b1] = socket_pair();
  auto [a2, b2] = socket_pair();
  auto [a3, b3] = socket_pair();
  auto writer = green::spawn([&, &b2 = b2, &b3 = b3] {
    green::sleep(5ms);
    b3.send_all("x");
    b2.send_all("y");
  });
  green::Selected r = green::select({a1.fd(), a2.fd(), a3.fd()}, {}, 5s);
  // Both writes happened before the selecting greenlet ran again: both reported, in input order.
  EXPECT_EQ(r.readable, (std::vector<int>{a2.fd(), a3.fd()}));
  EXPECT_TRUE(r.writable.empty());
  writer.get();
}

TEST_F(SelectTest, ReadyFdsReturnAtOnceAndTimeoutsGiveEmptyResults) {
  auto [a, b] = socket_pair();
  green::Selected w = green::select({}, {a.fd()}, green::Duration::zero());
  EXPECT_EQ(w.writable, std::vector<int>{a.fd()});
  EXPECT_TRUE(green::select({a.fd()}, {}, 20ms).empty());
  EXPECT_TRUE(green::select({a.fd()}, {}, green::Duration::zero()).empty());
  green::PollFd fds[] = {{a.fd(), green::READ, 0}, {-1, green::READ, 0}};
  EXPECT_EQ(green::poll_fds(fds, 10ms), 0u);
  b.send_all("z");
  EXPECT_EQ(green::poll_fds(fds, 5s), 1u);
  EXPECT_EQ(fds[0].revents, green::READ);
  EXPECT_EQ(fds[1].revents, 0);
}

TEST_F(SelectTest, ClosedAndInvalidFdsAreReportedNotThrown) {
  auto [a, b] = socket_pair();
  int dead = ::dup(a.fd());
  ::close(dead);
  green::PollFd bad[] = {{dead, green::READ, 0}};
  EXPECT_EQ(green::poll_fds(bad, 5s), 1u);
  EXPECT_EQ(bad[0].revents, green::CLOSED);

  auto closer = green::spawn([&, &a = a] { a.close(); });
  green::PollFd fds[] = {{a.fd(), green::READ, 0}};
  EXPECT_EQ(green::poll_fds(fds, 5s), 1u);
  EXPECT_EQ(fds[0].revents, green::CLOSED);
  closer.get();
}

TEST_F(SelectTest, ObjectsAndFdsTogether) {
  auto [a, b] = socket_pair();
  green::Event stop;
  auto g = green::spawn([] {
    green::sleep(5ms);
    return 1;
  });
  green::PollFd fds[] = {{a.fd(), green::READ, 0}};
  std::vector<green::Event*> events{&stop};
  auto setter = green::spawn([&] {
    green::sleep(10ms);
    stop.set();
  });

  green::SelectResult r1 = green::select(fds, std::vector{g}, 5s);
  EXPECT_EQ(r1.fds_ready, 0u);
  EXPECT_EQ(r1.objects_ready, std::vector<std::size_t>{0});
  EXPECT_TRUE(g.ready());

  green::SelectResult r2 = green::select(fds, events, 5s);
  EXPECT_EQ(r2.objects_ready, std::vector<std::size_t>{0});
  EXPECT_TRUE(green::select(fds, std::vector<green::Event*>{}, 10ms).empty());
  b.send_all("q");
  green::SelectResult r3 = green::select(fds, events, 5s);  // both ready now
  EXPECT_EQ(r3.fds_ready, 1u);
  EXPECT_EQ(r3.objects_ready, std::vector<std::size_t>{0});
  setter.get();
}

class SelectInterrupt : public ToolkitTest, public testing::WithParamInterface<Interrupt> {};

TEST_P(SelectInterrupt, InterruptedSelectLeavesNoWatcherOrLink) {
  auto [a, b] = socket_pair();
  green::Event never;
  green::PollFd fds[] = {{a.fd(), green::READ, 0}};
  EXPECT_TRUE(run_interrupted(GetParam(), [&, &a = a] { green::select({a.fd()}, {}); }));
  EXPECT_TRUE(run_interrupted(GetParam(), [&] { green::select(fds, std::vector{&never}); }));
  // A link left behind would fire into a dead frame here (ASan), an fd watch
  // would show in the fixture's check.
  never.set();
  settle();
}

INSTANTIATE_TEST_SUITE_P(All, SelectInterrupt, testing::Values(Interrupt::kill, Interrupt::timeout), name_of);

}  // namespace
}  // namespace toolkit_test

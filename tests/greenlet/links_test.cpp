// links_test.cpp — green/greenlet.h's callbacks: link (in a greenlet of its
// own, may block), rawlink (in the hub), unlink, unlink_all, has_links.
#include <stdexcept>
#include <string>
#include <vector>

#include "fixture.h"
#include "green/detail/sched.h"

namespace green_test {
namespace {

using Links = GreenTest;

// gevent's link: the callback is a greenlet, so it may block.
TEST_F(Links, ALinkCallbackMayBlock) {
  Log log;
  bool in_hub = true;
  auto other = green::spawn(sleeper(5ms, 7));
  auto g = green::spawn([] {});
  green::Event done;
  g.link([&](const green::AnyGreenlet& d) {
    in_hub = green::detail::in_hub();
    log(d.ready() ? "dead" : "alive");
    green::sleep(2ms);
    log("slept " + std::to_string(other.get()));
    done.set();
  });
  ASSERT_TRUE(done.wait(10s));
  EXPECT_FALSE(in_hub);
  EXPECT_EQ(log.entries, (std::vector<std::string>{"dead", "slept 7"}));
}

TEST_F(Links, LinksStartInLinkOrderAndRawlinksRunInTheHub) {
  Log log;
  auto g = green::spawn([] { green::sleep(1ms); });
  g.link([&](const green::AnyGreenlet&) { log("link1"); });
  g.rawlink([&](const green::AnyGreenlet&) { log(green::detail::in_hub() ? "raw in hub" : "raw elsewhere"); });
  g.link([&](const green::AnyGreenlet&) { log("link2"); });
  g.join();
  green::sleep(1ms);
  EXPECT_EQ(log.entries, (std::vector<std::string>{"raw in hub", "link1", "link2"}))
      << "a rawlink runs as its link fires; a link's greenlet starts at the next turn";
}

TEST_F(Links, AFailingLinkIsReportedAsAGreenletFailure) {
  testing::internal::CaptureStderr();
  auto g = green::spawn([] {});
  g.link([](const green::AnyGreenlet&) { throw std::runtime_error("bad link"); });
  g.join();
  green::sleep(1ms);
  std::string err = testing::internal::GetCapturedStderr();
  EXPECT_EQ(count_of(err, "failed with std::runtime_error: bad link"), 1u) << err;
}

TEST_F(Links, UnlinkForgetsOneCallback) {
  Log log;
  auto g = green::spawn([] { green::sleep(1ms); });
  green::LinkId a = g.link([&](const green::AnyGreenlet&) { log("a"); });
  green::LinkId b = g.rawlink([&](const green::AnyGreenlet&) { log("b"); });
  g.link([&](const green::AnyGreenlet&) { log("c"); });
  EXPECT_NE(a, 0u);
  EXPECT_NE(a, b);
  EXPECT_TRUE(g.unlink(a));
  EXPECT_TRUE(g.unlink(b));
  EXPECT_FALSE(g.unlink(b)) << "already gone";
  g.join();
  green::sleep(1ms);
  EXPECT_EQ(log.entries, (std::vector<std::string>{"c"}));
  EXPECT_FALSE(g.has_links());
}

TEST_F(Links, UnlinkAllKeepsJoinersWaiting) {
  Log log;
  auto g = green::spawn([] { green::sleep(5ms); });
  EXPECT_FALSE(g.has_links());
  g.link([&](const green::AnyGreenlet&) { log("link"); });
  g.rawlink([&](const green::AnyGreenlet&) { log("rawlink"); });
  auto joiner = green::spawn([&] {
    g.join();
    log("joined");
  });
  green::sleep(0ms);  // the joiner is parked on g now
  EXPECT_TRUE(g.has_links());
  g.unlink_all();
  EXPECT_FALSE(g.has_links());
  EXPECT_TRUE(joiner.join(10s));
  EXPECT_EQ(log.entries, (std::vector<std::string>{"joined"}));
}

}  // namespace
}  // namespace green_test

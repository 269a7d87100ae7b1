// greenlet_test.cpp — green/greenlet.h: spawn, join, get, kill, link, names.
#include "green/greenlet.h"

#include <cerrno>
#include <stdexcept>
#include <string>
#include <vector>

#include "fixture.h"
#include "green/detail/sched.h"

namespace green_test {
namespace {

using Greenlet = GreenTest;

TEST_F(Greenlet, SpawnReturnsAtOnceAndRunsWhenTheCallerYields) {
  Log log;
  auto g = green::spawn([&] { log("child"); });
  log("spawned");
  EXPECT_FALSE(g.started());
  EXPECT_FALSE(g.ready());
  green::sleep(0ms);
  log("yielded");
  EXPECT_TRUE(g.ready());
  EXPECT_EQ(log.entries, (std::vector<std::string>{"spawned", "child", "yielded"}));
}

TEST_F(Greenlet, SpawnsRunInFifoOrder) {
  Log log;
  std::vector<green::Greenlet<void>> gs;
  for (int i = 0; i < 5; ++i) gs.push_back(green::spawn([&log, i] { log(std::to_string(i)); }));
  green::joinall(gs);
  EXPECT_EQ(log.entries, (std::vector<std::string>{"0", "1", "2", "3", "4"}));
}

TEST_F(Greenlet, GetReturnsTheValueAndArgumentsAreCopiedIn) {
  std::string s = "ab";
  auto g = green::spawn([](int x, std::string t) { return t + std::to_string(x * 2); }, 21, s);
  s = "changed";
  EXPECT_EQ(g.get(), "ab42");
  EXPECT_TRUE(g.successful());
  EXPECT_EQ(g.exception(), nullptr);
  EXPECT_EQ(g.get(), "ab42") << "get() on a dead greenlet returns its value again";
}

TEST_F(Greenlet, ExceptionIsStoredPrintedOnceAndRethrownByGet) {
  testing::internal::CaptureStderr();
  auto g = green::spawn_with({.name = "worker"}, []() -> int { throw std::runtime_error("boom"); });
  EXPECT_TRUE(g.join()) << "join() returns normally for a failed greenlet";
  green::sleep(0ms);  // let the links fire, in case printing were deferred
  std::string err = testing::internal::GetCapturedStderr();
  EXPECT_TRUE(g.ready());
  EXPECT_FALSE(g.successful());
  ASSERT_NE(g.exception(), nullptr);
  EXPECT_THROW(g.get(), std::runtime_error);
  try {
    g.get();
  } catch (const std::runtime_error& e) {
    EXPECT_STREQ(e.what(), "boom");
  }
  EXPECT_EQ(count_of(err, "worker failed with std::runtime_error: boom\n"), 1u) << err;
}

TEST_F(Greenlet, JoinNeverThrowsTheGreenletsException) {
  testing::internal::CaptureStderr();
  auto g = green::spawn([] {
    green::sleep(1ms);
    throw std::logic_error("inside");
  });
  EXPECT_NO_THROW(EXPECT_TRUE(g.join()));
  EXPECT_NO_THROW(EXPECT_TRUE(g.join())) << "joining a dead greenlet again";
  testing::internal::GetCapturedStderr();
}

TEST_F(Greenlet, GreenletExitCountsAsSuccessAndIsNotPrinted) {
  testing::internal::CaptureStderr();
  auto g = green::spawn([] { throw green::GreenletExit(); });
  g.join();
  std::string err = testing::internal::GetCapturedStderr();
  EXPECT_TRUE(g.successful());
  EXPECT_EQ(g.exception(), nullptr) << "gevent: a GreenletExit is the value, not an exception";
  EXPECT_NE(g.killed_by(), nullptr);
  EXPECT_NO_THROW(g.get()) << "a void greenlet killed with GreenletExit returns";
  EXPECT_EQ(err, "");
}

TEST_F(Greenlet, KillBeforeStartNeverRunsButLinksFire) {
  Log log;
  auto g = green::spawn([&] { log("ran"); });
  g.rawlink([&](const green::AnyGreenlet& d) { log(d.ready() ? "link: dead" : "link: alive"); });
  EXPECT_TRUE(g.kill());
  EXPECT_TRUE(g.ready());
  EXPECT_TRUE(g.successful());
  EXPECT_NO_THROW(g.get());
  EXPECT_NE(g.killed_by(), nullptr);
  green::sleep(0ms);
  green::sleep(1ms);
  EXPECT_EQ(log.entries, (std::vector<std::string>{"link: dead"}));
}

TEST_F(Greenlet, KillRaisesGreenletExitAtTheNextSwitchPoint) {
  Log log;
  auto g = green::spawn([&] {
    log("start");
    try {
      green::sleep(10s);
      log("slept");
    } catch (const green::GreenletExit&) {
      log("exit");
      throw;
    }
  });
  green::sleep(0ms);
  log("kill");
  EXPECT_TRUE(g.kill());
  EXPECT_TRUE(g.successful());
  EXPECT_EQ(log.entries, (std::vector<std::string>{"start", "kill", "exit"}));
}

// gevent: `except Exception` does not swallow a kill. Neither may
// catch (const std::exception&) — the everyday "log and retry" loop.
TEST_F(Greenlet, CatchingStdExceptionDoesNotStopAKillOrATimeout) {
  int rounds = 0;
  auto g = green::spawn([&] {
    for (; rounds < 1000; ++rounds) {
      try {
        green::sleep(10s);
      } catch (const std::exception&) {
        // a retry loop: would go round again if it caught the kill
      }
    }
  });
  green::sleep(0ms);
  EXPECT_TRUE(g.kill(nullptr, true, 10s));
  EXPECT_EQ(rounds, 0);
  EXPECT_TRUE(g.successful());

  bool timed_out = false;
  try {
    green::Timeout t(1ms);
    try {
      green::sleep(10s);
    } catch (const std::exception&) {
      ADD_FAILURE() << "a Timeout was caught as a std::exception";
    }
  } catch (const green::Timeout&) {
    timed_out = true;
  }
  EXPECT_TRUE(timed_out);
}

TEST_F(Greenlet, AKilledValueGreenletHasNoValueButDidNotFail) {
  auto g = green::spawn([] {
    green::sleep(10s);
    return 1;
  });
  green::sleep(0ms);
  g.kill();
  EXPECT_TRUE(g.successful());
  EXPECT_EQ(g.exception(), nullptr);
  EXPECT_NE(g.killed_by(), nullptr);
  EXPECT_THROW(g.get(), green::GreenletExit) << "no int to return";
  auto f = green::spawn([] {
    green::sleep(10s);
    return 1;
  });
  green::sleep(0ms);
  testing::internal::CaptureStderr();
  f.kill(std::make_exception_ptr(std::runtime_error("custom")));
  testing::internal::GetCapturedStderr();
  EXPECT_FALSE(f.successful());
  EXPECT_NE(f.exception(), nullptr) << "killed with another exception: it failed";
  EXPECT_EQ(f.killed_by(), nullptr);
}

TEST_F(Greenlet, KillOfAReadyGreenletLandsWhereItYielded) {
  Log log;
  auto g = green::spawn([&] {
    log("a");
    green::sleep(0ms);  // the kill is thrown here, when it resumes
    log("never");
  });
  green::sleep(0ms);  // g logged "a" and is queued behind us
  g.kill(nullptr, false);
  log("killed");
  g.join();
  EXPECT_EQ(log.entries, (std::vector<std::string>{"a", "killed"}));
}

TEST_F(Greenlet, KillWithACustomExceptionFailsTheGreenlet) {
  testing::internal::CaptureStderr();
  auto g = green::spawn_with({.name = "victim"}, [] { green::sleep(10s); });
  green::sleep(0ms);
  EXPECT_TRUE(g.kill(std::make_exception_ptr(std::runtime_error("custom"))));
  std::string err = testing::internal::GetCapturedStderr();
  EXPECT_FALSE(g.successful());
  EXPECT_THROW(g.get(), std::runtime_error);
  EXPECT_EQ(count_of(err, "victim failed with std::runtime_error: custom"), 1u) << err;
}

TEST_F(Greenlet, KillWithoutBlockReturnsBeforeTheTargetDies) {
  auto g = green::spawn([] { green::sleep(10s); });
  green::sleep(0ms);
  EXPECT_FALSE(g.kill(nullptr, false)) << "the target has not run yet to receive it";
  EXPECT_FALSE(g.ready());
  EXPECT_TRUE(g.join());
  EXPECT_TRUE(g.successful());
}

TEST_F(Greenlet, KillWithATimeoutGivesUpOnATargetThatIgnoresIt) {
  int exits = 0;
  auto g = green::spawn([&] {
    for (;;) {
      try {
        green::sleep(10s);
      } catch (const green::GreenletExit&) {
        if (++exits == 2) throw;  // swallows the first kill
      }
    }
  });
  green::sleep(0ms);
  EXPECT_FALSE(g.kill(nullptr, true, 20ms));
  EXPECT_EQ(exits, 1);
  EXPECT_FALSE(g.ready());
  EXPECT_TRUE(g.kill());
  EXPECT_EQ(exits, 2);
}

TEST_F(Greenlet, KillingTheCurrentGreenletThrowsAtOnce) {
  Log log;
  auto g = green::spawn([&] {
    try {
      green::getcurrent().kill();
      log("after kill");
    } catch (const green::GreenletExit&) {
      log("exit");
      throw;
    }
  });
  g.join();
  EXPECT_TRUE(g.successful());
  EXPECT_EQ(log.entries, (std::vector<std::string>{"exit"}));
}

TEST_F(Greenlet, KillingADeadGreenletIsANoOp) {
  auto g = green::spawn([] { return 1; });
  g.join();
  EXPECT_TRUE(g.kill());
  EXPECT_EQ(g.get(), 1);
}

TEST_F(Greenlet, LinksFireInTheHubInLinkOrder) {
  Log log;
  auto g = green::spawn([] { green::sleep(1ms); });
  for (int i = 1; i <= 3; ++i) g.rawlink([&log, i](const green::AnyGreenlet&) { log("link" + std::to_string(i)); });
  g.link_value([&](const green::AnyGreenlet&) { log("value"); });
  g.link_exception([&](const green::AnyGreenlet&) { log("exception"); });
  g.join();
  green::sleep(0ms);
  EXPECT_EQ(log.entries, (std::vector<std::string>{"link1", "link2", "link3", "value"}));
}

TEST_F(Greenlet, LinkExceptionFiresOnFailure) {
  Log log;
  testing::internal::CaptureStderr();
  auto g = green::spawn([] { throw std::runtime_error("x"); });
  g.link_value([&](const green::AnyGreenlet&) { log("value"); });
  g.link_exception([&](const green::AnyGreenlet&) { log("exception"); });
  g.join();
  green::sleep(0ms);
  testing::internal::GetCapturedStderr();
  EXPECT_EQ(log.entries, (std::vector<std::string>{"exception"}));
}

TEST_F(Greenlet, LinkToADeadGreenletFiresSoon) {
  Log log;
  auto g = green::spawn([] {});
  g.join();
  g.rawlink([&](const green::AnyGreenlet&) { log("late link"); });
  EXPECT_TRUE(log.entries.empty()) << "links always fire in the hub, never inline";
  green::sleep(0ms);
  EXPECT_EQ(log.entries, (std::vector<std::string>{"late link"}));
}

// A dead greenlet's links run on its stack, but count as the hub: the
// interposer passes blocking calls made there through to libc (a link that
// printf()s to a full pipe must block, not fail inside vfprintf).
TEST_F(Greenlet, LinksOfADeadGreenletCountAsTheHub) {
  bool in_hub = false;
  auto g = green::spawn([] {});
  g.rawlink([&](const green::AnyGreenlet&) { in_hub = green::detail::in_hub(); });
  g.join();
  green::sleep(0ms);
  EXPECT_TRUE(in_hub);
  EXPECT_FALSE(green::detail::in_hub());
}

// A dead greenlet's links fire on its own stack before it switches away;
// sleeping or yielding there would resume a finished greenlet.
TEST_F(Greenlet, BlockingInsideALinkIsBlockingInHubError) {
  for (auto pause : {10ms, 0ms}) {
    std::string what;
    auto g = green::spawn([] {});
    g.rawlink([&, pause](const green::AnyGreenlet&) {
      try {
        green::sleep(pause);
        what = "no error";
      } catch (const green::BlockingInHubError& e) {
        what = e.what();
      }
    });
    g.join();
    green::sleep(0ms);
    EXPECT_NE(what.find("inside the hub"), std::string::npos) << "sleep(" << pause.count() << "ms): " << what;
  }
}

TEST_F(Greenlet, AThrowingLinkIsReportedAndTheOthersStillFire) {
  Log log;
  testing::internal::CaptureStderr();
  auto g = green::spawn([] {});
  g.rawlink([](const green::AnyGreenlet&) { throw std::runtime_error("bad link"); });
  g.rawlink([&](const green::AnyGreenlet&) { log("second"); });
  g.join();
  green::sleep(0ms);
  std::string err = testing::internal::GetCapturedStderr();
  EXPECT_EQ(log.entries, (std::vector<std::string>{"second"}));
  EXPECT_NE(err.find("bad link"), std::string::npos) << err;
}

TEST_F(Greenlet, SpawnLaterStartsAfterTheDelay) {
  Log log;
  auto start = std::chrono::steady_clock::now();
  long long started_after = -1;
  auto late = green::spawn_later(50ms, [&] {
    started_after = ms_since(start);
    log("late");
  });
  auto now = green::spawn([&] { log("now"); });
  green::sleep(0ms);
  EXPECT_FALSE(late.started());
  late.join();
  now.join();
  EXPECT_EQ(log.entries, (std::vector<std::string>{"now", "late"}));
  EXPECT_GE(started_after, 50);
}

TEST_F(Greenlet, KillBeforeSpawnLaterFiresCancelsItsTimer) {
  bool ran = false;
  auto g = green::spawn_later(10s, [&] { ran = true; });
  EXPECT_GE(green::hub_stats().active_watchers, 1u);
  EXPECT_TRUE(g.kill());
  EXPECT_FALSE(ran);
  EXPECT_EQ(green::hub_stats().active_watchers, 0u);
}

TEST_F(Greenlet, GetWithATimeoutThrowsGreenTimeout) {
  auto g = green::spawn([] {
    green::sleep(10s);
    return 1;
  });
  EXPECT_THROW(g.get(20ms), green::Timeout);
  EXPECT_FALSE(g.join(1ms));
  EXPECT_FALSE(g.ready());
  g.kill();
}

TEST_F(Greenlet, JoinWithATimeoutReturnsWhetherDead) {
  auto g = green::spawn(sleeper(30ms, 0));
  EXPECT_FALSE(g.join(1ms));
  EXPECT_TRUE(g.join(5s));
}

TEST_F(Greenlet, JoiningYourselfIsALogicError) {
  bool threw = false;
  auto g = green::spawn([&] {
    try {
      green::getcurrent().join();
    } catch (const std::logic_error&) {
      threw = true;
    }
  });
  g.join();
  EXPECT_TRUE(threw);
  EXPECT_THROW(green::getcurrent().join(), std::logic_error);
}

TEST_F(Greenlet, HundredThousandGreenletsSpawnedAndJoined) {
  constexpr int n = 100000;
  std::vector<green::Greenlet<long long>> gs;
  gs.reserve(n);
  for (int i = 0; i < n; ++i) gs.push_back(green::spawn([](long long x) { return x; }, static_cast<long long>(i)));
  EXPECT_EQ(green::hub_stats().live_greenlets, static_cast<std::size_t>(n));
  auto done = green::joinall(gs);
  ASSERT_EQ(done.size(), gs.size());
  long long sum = 0;
  for (auto& g : gs) sum += g.get();
  EXPECT_EQ(sum, static_cast<long long>(n) * (n - 1) / 2);
}

TEST_F(Greenlet, ErrnoIsPreservedAcrossSwitches) {
  Log log;
  auto body = [&log](int mine, const char* name) {
    errno = mine;
    green::sleep(0ms);
    log(std::string(name) + (errno == mine ? " kept" : " lost"));
    errno = mine;
    green::sleep(1ms);
    log(std::string(name) + (errno == mine ? " kept" : " lost"));
  };
  auto a = green::spawn(body, EINTR, "a");
  auto b = green::spawn(body, ENOENT, "b");
  errno = EPIPE;
  green::joinall(std::vector{a, b});
  EXPECT_EQ(errno, EPIPE);
  EXPECT_EQ(log.entries, (std::vector<std::string>{"a kept", "b kept", "a kept", "b kept"}));
}

TEST_F(Greenlet, HandlesAreSharedCopiesThatLiveInAVector) {
  auto g = green::spawn([] { return 7; });
  std::vector<green::AnyGreenlet> any{g, g};
  green::Greenlet<int> copy = g;
  EXPECT_TRUE(any[0] == any[1]);
  EXPECT_TRUE(any[0] == copy);
  EXPECT_FALSE(any[0] == green::AnyGreenlet(green::spawn([] {})));
  any[1].join();
  EXPECT_TRUE(g.ready());
  EXPECT_EQ(copy.get(), 7);
  green::sleep(0ms);  // the unnamed one
}

TEST_F(Greenlet, DroppingEveryHandleDoesNotStopTheGreenlet) {
  Log log;
  green::spawn([&] {
    green::sleep(1ms);
    log("finished");
  });
  green::sleep(20ms);
  EXPECT_EQ(log.entries, (std::vector<std::string>{"finished"}));
}

TEST_F(Greenlet, NamesDefaultToGreenletIdAndCanBeSet) {
  auto a = green::spawn([] {});
  auto b = green::spawn_with({.name = "named"}, [] {});
  EXPECT_EQ(a.name().rfind("Greenlet-", 0), 0u) << a.name();
  EXPECT_EQ(b.name(), "named");
  const std::string& held = a.name();
  a.set_name("renamed");
  EXPECT_EQ(a.name(), "renamed");
  EXPECT_EQ(held, "renamed");  // a reference name() gave follows renames
  a.set_name("");
  EXPECT_EQ(a.name().rfind("Greenlet-", 0), 0u) << "an empty name is no name: " << a.name();
  EXPECT_EQ(green::getcurrent().name(), "main");
  std::string inside;
  auto c = green::spawn_with({.name = "self"}, [&] { inside = green::getcurrent().name(); });
  green::joinall(std::vector<green::AnyGreenlet>{a, b, c});
  EXPECT_EQ(inside, "self");
}

// Not a timing assertion: a budget. A million greenlets spawned before any
// runs are a million of these in fresh memory (BENCHMARKS.md, spawn + join);
// a field added to GreenletCore should be a decision, not an accident.
TEST(GreenletMemory, TheTaskOfAFunctionWithoutCapturesStaysWithin248Bytes) {
  auto fn = [] {};
  EXPECT_LE(sizeof(green::detail::Task<void, decltype(fn)>), 248u)
      << "GreenletCore grew: derive the new field, or move this budget with a reason";
}

TEST_F(Greenlet, SpawnWithAStackSizeRunsDeepRecursion) {
  struct Deep {
    static int down(int n) {
      volatile char pad[512];
      pad[0] = static_cast<char>(n);
      return n == 0 ? pad[0] : down(n - 1) + 1;
    }
  };
  green::SpawnOptions big;
  big.stack_size = 4u << 20;
  auto g = green::spawn_with(big, [] { return Deep::down(2000); });
  EXPECT_EQ(g.get(), 2000);
}

}  // namespace
}  // namespace green_test

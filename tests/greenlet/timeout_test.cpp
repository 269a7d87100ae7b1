// timeout_test.cpp — green/timeout.h: Timeout raises at the armer's next
// blocking point, is told apart by identity, and with_timeout.
#include "green/timeout.h"

#include <optional>
#include <stdexcept>
#include <string>
#include <vector>

#include "fixture.h"

namespace green_test {
namespace {

using Timeout = GreenTest;

// spin: run without blocking for `d`.
void spin(std::chrono::milliseconds d) {
  auto end = std::chrono::steady_clock::now() + d;
  while (std::chrono::steady_clock::now() < end) {
  }
}

TEST_F(Timeout, RaisesItselfAtTheNextBlockingPoint) {
  auto start = std::chrono::steady_clock::now();
  green::Timeout t(20ms);
  EXPECT_TRUE(t.pending());
  try {
    green::sleep(10s);
    FAIL() << "the sleep was not interrupted";
  } catch (const green::Timeout& e) {
    EXPECT_TRUE(e == t);
    EXPECT_EQ(e.duration(), green::Duration(20ms));
  }
  EXPECT_FALSE(t.pending());
  EXPECT_GE(ms_since(start), 20);
  EXPECT_LT(ms_since(start), 5000);
}

// gevent's Timeout(seconds) then start(): made ahead, armed later, for the
// greenlet that starts it.
TEST_F(Timeout, ADeferredTimeoutFiresOnlyAfterStart) {
  green::Timeout t(20ms, green::Timeout::deferred);
  EXPECT_FALSE(t.pending());
  green::sleep(50ms);  // not armed: nothing fires
  auto start = std::chrono::steady_clock::now();
  t.start();
  EXPECT_TRUE(t.pending());
  EXPECT_THROW(t.start(), std::logic_error) << "started twice";
  try {
    green::sleep(10s);
    FAIL() << "the sleep was not interrupted";
  } catch (const green::Timeout& e) {
    EXPECT_TRUE(e == t);
    EXPECT_THROW(green::Timeout(e).start(), std::logic_error) << "a copy is not an owner";
  }
  EXPECT_LT(ms_since(start), 5000);
  // Fired: it may be started again.
  t.start();
  EXPECT_THROW(green::sleep(10s), green::Timeout);
}

TEST_F(Timeout, RestartTakesTheNewDurationFromNow) {
  green::Timeout t(10s);
  auto start = std::chrono::steady_clock::now();
  t.restart(20ms);
  EXPECT_EQ(t.duration(), green::Duration(20ms));
  EXPECT_TRUE(t.pending());
  EXPECT_THROW(green::sleep(10s), green::Timeout);
  EXPECT_LT(ms_since(start), 5000) << "restart kept the old 10 s";
  // And a longer one: the old 20 ms no longer applies.
  t.restart(10s);
  green::sleep(60ms);
  t.cancel();
}

TEST_F(Timeout, CloseDisarmsForGood) {
  green::Timeout t(20ms);
  t.close();
  EXPECT_FALSE(t.pending());
  EXPECT_TRUE(t.closed());
  green::sleep(60ms);  // would have fired
  EXPECT_THROW(t.start(), std::logic_error);
  EXPECT_THROW(t.restart(1ms), std::logic_error);
  green::sleep(10ms);
  // cancel alone is not final.
  green::Timeout u(10s);
  u.cancel();
  u.restart(10ms);
  EXPECT_THROW(green::sleep(10s), green::Timeout);
}

TEST_F(Timeout, AGreenletThatNeverBlocksIsNotInterrupted) {
  Log log;
  {
    green::Timeout t(1ms);
    spin(20ms);
    log("finished without blocking");
  }
  green::sleep(5ms);  // the disarmed Timeout must not fire later either
  log("slept");
  EXPECT_EQ(log.entries, (std::vector<std::string>{"finished without blocking", "slept"}));
}

// nested: arm an outer and an inner Timeout, block, and say whose handler
// caught the Timeout. The inner handler takes only its own (compared by ==).
std::string nested(green::Duration outer_after, green::Duration inner_after) {
  green::Timeout outer(outer_after);
  try {
    green::Timeout inner(inner_after);
    try {
      green::sleep(10s);
      return "nobody";
    } catch (const green::Timeout& e) {
      if (!(e == inner)) throw;
      return e == outer ? "inner, equal to outer" : "inner";
    }
  } catch (const green::Timeout& e) {
    return e == outer ? "outer" : "unknown";
  }
}

TEST_F(Timeout, NestedTimeoutsAreToldApartByIdentity) {
  EXPECT_EQ(nested(10s, 10ms), "inner");
  EXPECT_EQ(nested(10ms, 10s), "outer") << "the outer one passes through the inner handler";
}

TEST_F(Timeout, ACustomExceptionIsThrownInstead) {
  green::Timeout t(10ms, std::make_exception_ptr(std::runtime_error("too slow")));
  try {
    green::sleep(10s);
    FAIL() << "not interrupted";
  } catch (const std::runtime_error& e) {
    EXPECT_STREQ(e.what(), "too slow");
  }
}

TEST_F(Timeout, ItFiresOnlyAtTheGreenletThatArmedIt) {
  Log log;
  auto armed = green::spawn([&] {
    try {
      green::Timeout t(10ms);
      green::sleep(10s);
    } catch (const green::Timeout&) {
      log("armed: timeout");
    }
  });
  auto other = green::spawn([&] {
    green::sleep(40ms);
    log("other: slept in full");
  });
  green::joinall(std::vector{armed, other});
  EXPECT_EQ(log.entries, (std::vector<std::string>{"armed: timeout", "other: slept in full"}));
}

TEST_F(Timeout, DestroyingOrCancellingDisarms) {
  { green::Timeout t(5ms); }
  green::Timeout c(5ms);
  c.cancel();
  EXPECT_FALSE(c.pending());
  EXPECT_EQ(green::hub_stats().active_watchers, 0u);
  EXPECT_NO_THROW(green::sleep(20ms));
}

TEST_F(Timeout, ForeverNeverFiresAndArmsNothing) {
  green::Timeout t(green::forever);
  EXPECT_FALSE(t.pending());
  EXPECT_EQ(green::hub_stats().active_watchers, 0u);
  EXPECT_NO_THROW(green::sleep(20ms));
}

TEST_F(Timeout, ZeroAndNegativeFireAtTheNextBlockingPoint) {
  for (green::Duration d : {green::Duration::zero(), green::Duration(-5ms)}) {
    Log log;
    try {
      green::Timeout t(d);
      log("armed");  // no blocking point yet: nothing thrown
      green::sleep(10s);
      log("slept");
    } catch (const green::Timeout&) {
      log("timeout");
    }
    EXPECT_EQ(log.entries, (std::vector<std::string>{"armed", "timeout"})) << d.count();
  }
}

TEST_F(Timeout, InterruptsAJoin) {
  auto g = green::spawn([] { green::sleep(10s); });
  {
    green::Timeout t(10ms);
    EXPECT_THROW(g.join(), green::Timeout);
  }
  EXPECT_FALSE(g.ready());
  g.kill();
}

TEST_F(Timeout, WhatNamesTheDuration) {
  green::Timeout t(green::Duration(1500us));
  EXPECT_NE(std::string(t.what()).find("1500 us"), std::string::npos) << t.what();
  EXPECT_FALSE(green::Timeout::expired(1ms) == green::Timeout::expired(1ms)) << "each has a fresh identity";
}

TEST_F(Timeout, WithTimeoutReturnsTheDefaultWhenTimeRunsOut) {
  int v = green::with_timeout(
      10ms,
      [] {
        green::sleep(10s);
        return 1;
      },
      -1);
  EXPECT_EQ(v, -1);
}

TEST_F(Timeout, WithTimeoutReturnsTheResultInTime) {
  int v = green::with_timeout(
      10s,
      [] {
        green::sleep(1ms);
        return 1;
      },
      -1);
  EXPECT_EQ(v, 1);
}

TEST_F(Timeout, WithTimeoutWithoutDefaultThrows) {
  EXPECT_THROW(green::with_timeout(10ms, [] { green::sleep(10s); }), green::Timeout);
  EXPECT_EQ(green::with_timeout(10s, [] { return 2; }), 2);
}

TEST_F(Timeout, WithTimeoutLetsAnInnerTimeoutPropagate) {
  std::optional<green::Timeout> inner_id;  // a copy: same identity, owns nothing
  try {
    green::with_timeout(
        10s,
        [&] {
          green::Timeout inner(10ms);
          inner_id.emplace(inner);
          green::sleep(10s);
          return 1;
        },
        -1);
    FAIL() << "with_timeout swallowed a Timeout that was not its own";
  } catch (const green::Timeout& e) {
    ASSERT_TRUE(inner_id);
    EXPECT_TRUE(e == *inner_id);
  }
}

}  // namespace
}  // namespace green_test

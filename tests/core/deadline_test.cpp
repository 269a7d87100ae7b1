// deadline_test.cpp — green/detail/deadline.h, the one deadline type of the
// runtime and the interposer: saturation, "zero means now" against "zero
// means never", and left() never below zero.
#include "green/detail/deadline.h"

#include <gtest/gtest.h>

#include <sys/time.h>
#include <time.h>

#include <chrono>
#include <climits>

namespace green_test {
namespace {

using green::detail::Deadline;
using namespace std::chrono_literals;

TEST(Deadline, ForeverAndHugeSpansAreNever) {
  EXPECT_TRUE(Deadline().forever());
  EXPECT_TRUE(Deadline::never().forever());
  EXPECT_TRUE(Deadline::after(green::forever).forever());
  EXPECT_EQ(Deadline::never().left(), green::forever);
  // Too long for the clock: never, not an overflow into the past.
  EXPECT_TRUE(Deadline::after(green::forever - 1ns).forever());
  EXPECT_TRUE(Deadline::within(timespec{LONG_MAX, 0}).forever());
  EXPECT_TRUE(Deadline::from(timeval{LONG_MAX, 0}).forever());
}

TEST(Deadline, ZeroIsNowForPollAndNeverForSocketTimeouts) {
  EXPECT_FALSE(Deadline::within(timespec{0, 0}).forever());
  EXPECT_EQ(Deadline::within(timespec{0, 0}).left(), green::Duration::zero());
  EXPECT_TRUE(Deadline::from(timeval{0, 0}).forever());
  EXPECT_FALSE(Deadline::from(timeval{0, 1}).forever());
}

TEST(Deadline, LeftCountsDownAndStopsAtZero) {
  const Deadline d = Deadline::after(1h);
  EXPECT_GT(d.left(), 59min);
  EXPECT_LE(d.left(), 1h);
  EXPECT_EQ(Deadline::after(-5s).left(), green::Duration::zero());
  timespec past{};
  ::clock_gettime(CLOCK_REALTIME, &past);
  past.tv_sec -= 10;
  EXPECT_EQ(Deadline::at(CLOCK_REALTIME, past).left(), green::Duration::zero());
}

TEST(Deadline, OrdersAsTimeDoes) {
  const Deadline now = Deadline::now();
  EXPECT_LT(now, Deadline::after(1s));
  EXPECT_LT(Deadline::after(1s), Deadline::never());
  EXPECT_LE(now, Deadline::now());
}

}  // namespace
}  // namespace green_test

// monitor_test.cpp — GREEN_MAX_BLOCKING_MS: a greenlet that runs too long
// without yielding is reported by name, once; idle waits and greenlets that
// yield are not. Each case runs in a fresh process (threadsafe death test), the
// only way to give the first hub the setting.
#include <stdlib.h>

#include <chrono>
#include <cstdio>
#include <cstdlib>

#include "fresh_process.h"

namespace green_test {
namespace {

// spin: burn CPU for `d` without yielding, as C code blocking the hub would.
void spin(std::chrono::milliseconds d) {
  auto end = std::chrono::steady_clock::now() + d;
  while (std::chrono::steady_clock::now() < end) {
  }
}

using Monitor = FreshProcessTest;

// spin_in_greenlet: with GREEN_MAX_BLOCKING_MS=`limit`, a greenlet named
// "spinner" spins 200 ms; the process then exits 0.
void spin_in_greenlet(const char* limit) {
  ::setenv("GREEN_MAX_BLOCKING_MS", limit, 1);
  green::SpawnOptions opts;
  opts.name = "spinner";
  auto g = green::spawn_with(opts, [] { spin(200ms); });
  g.join();
  std::exit(0);
}

TEST_F(Monitor, ReportsAGreenletSpinningWithoutYieldingByName) {
  EXPECT_EXIT(spin_in_greenlet("50"), testing::ExitedWithCode(0),
              "green: greenlet 'spinner' has run for [0-9]+ ms without yielding \\(GREEN_MAX_BLOCKING_MS=50\\)");
}

TEST_F(Monitor, ReportsEachEpisodeOnce) {
  EXPECT_EXIT(spin_in_greenlet("20"), testing::ExitedWithCode(0),
              // One report line; the lines after it are its backtrace (none starts with "green:").
              "^green: greenlet 'spinner' has run for [0-9]+ ms without yielding[^\n]*\n([^g][^\n]*\n)*$");
}

TEST_F(Monitor, IdleWaitsAndYieldingGreenletsAreNotReported) {
  EXPECT_EXIT(
      {
        ::setenv("GREEN_MAX_BLOCKING_MS", "100", 1);  // far above a 1 ms spin, even on a loaded machine
        // Two polite greenlets: each sleep(0) switches to the other.
        auto polite = [] {
          for (int i = 0; i < 100; ++i) {
            spin(1ms);
            green::sleep(0ms);
          }
        };
        auto sleeper = green::spawn([] { green::sleep(200ms); });
        auto a = green::spawn(polite);
        auto b = green::spawn(polite);
        green::joinall(std::vector{a, b});
        sleeper.join();
        std::fputs("clean\n", stderr);
        std::exit(0);
      },
      testing::ExitedWithCode(0), "^clean\n$");
}

}  // namespace
}  // namespace green_test

// signal_test.cpp — green/signal.h: a signal runs its function in a new
// greenlet of the hub; cancel restores the default disposition.
#include "green/signal.h"

#include <signal.h>

#include <stdexcept>
#include <string>
#include <thread>

#include "fixture.h"

namespace green_test {
namespace {

using Signal = GreenTest;

TEST_F(Signal, RunsTheFunctionInANewGreenletThatMayWait) {
  green::Event done;
  std::string ran_in;
  auto h = green::signal_handler(SIGUSR1, [&] {
    ran_in = green::getcurrent().name();
    green::sleep(1ms);  // a greenlet: it may wait
    done.set();
  });
  ::raise(SIGUSR1);
  ASSERT_TRUE(done.wait(5s));
  EXPECT_EQ(ran_in, "signal USR1");
}

TEST_F(Signal, EachDeliveryAfterTheLastCallRunsAgain) {
  int calls = 0;
  green::Event ran;
  auto h = green::signal_handler(SIGUSR2, [&] {
    ++calls;
    ran.set();
  });
  for (int i = 0; i < 3; ++i) {
    ran.clear();
    ::raise(SIGUSR2);
    ASSERT_TRUE(ran.wait(5s));
  }
  EXPECT_EQ(calls, 3);
}

TEST_F(Signal, CancelRestoresTheDefaultDisposition) {
  auto h = green::signal_handler(SIGUSR1, [] {});
  struct sigaction now {};
  ::sigaction(SIGUSR1, nullptr, &now);
  EXPECT_NE(now.sa_handler, SIG_DFL);
  h.cancel();
  EXPECT_FALSE(h.active());
  ::sigaction(SIGUSR1, nullptr, &now);
  EXPECT_EQ(now.sa_handler, SIG_DFL);
  // Watchable again afterwards.
  auto again = green::signal_handler(SIGUSR1, [] {});
  EXPECT_TRUE(again.active());
}

TEST_F(Signal, SignalsThatCannotBeCaughtAreRefused) {
  EXPECT_THROW((void)green::signal_handler(SIGKILL, [] {}), std::invalid_argument);
  EXPECT_THROW((void)green::signal_handler(SIGSTOP, [] {}), std::invalid_argument);
  EXPECT_THROW((void)green::signal_handler(0, [] {}), std::invalid_argument);
  EXPECT_THROW((void)green::signal_handler(SIGUSR1, nullptr), std::invalid_argument);
}

TEST_F(Signal, OneHubPerSignal) {
  auto h = green::signal_handler(SIGUSR2, [] {});
  bool refused = false;
  std::thread([&] {
    try {
      (void)green::signal_handler(SIGUSR2, [] {});
    } catch (const std::logic_error& e) {
      refused = std::string(e.what()).find("signal USR2 is already watched") != std::string::npos;
    }
  }).join();
  EXPECT_TRUE(refused);
}

}  // namespace
}  // namespace green_test

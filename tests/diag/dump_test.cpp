// dump_test.cpp — green/dump.h: every greenlet with its state and what it
// waits on; the same listing in LoopExit; GREEN_DUMP_SIGNAL.
#include "green/dump.h"

#include <signal.h>
#include <unistd.h>

#include <cstdlib>
#include <string>
#include <thread>
#include <vector>

#include "fresh_process.h"
#include "pipe.h"

namespace green_test {
namespace {

using Dump = GreenTest;

// line_of: what the dump says about greenlet `name` (its line after the id).
std::string line_of(const std::string& text, const std::string& name) {
  auto at = text.find("'" + name + "' #");
  if (at == std::string::npos) return "(not listed)";
  std::string line = text.substr(at, text.find('\n', at) - at);
  return line.substr(line.find(": ") + 2);
}

// starts_with: `text` begins with `prefix`.
bool starts_with(const std::string& text, const std::string& prefix) { return text.rfind(prefix, 0) == 0; }

green::SpawnOptions named(std::string name) {
  green::SpawnOptions o;
  o.name = std::move(name);
  return o;
}

TEST_F(Dump, ListsEveryGreenletWithWhatItWaitsOn) {
  Pipe p;
  green::Lock lock;
  green::Event never;
  lock.acquire();
  auto reader = green::spawn_with(named("reader"), [&] { green::wait_read(p.fds[0]); });
  auto writer = green::spawn_with(named("writer"), [&] { green::sleep(10s); });
  auto locker = green::spawn_with(named("locker"), [&] {
    lock.acquire();
    lock.release();
  });
  auto joiner = green::spawn_with(named("joiner"), [&] { writer.join(); });
  auto waiter = green::spawn_with(named("waiter"), [&] { never.wait(5s); });
  green::sleep(0ms);  // all of them run up to their waits
  auto late = green::spawn_with(named("late"), [] {});

  std::string text = green::dump_text();
  EXPECT_NE(text.find("main and 6 spawned"), std::string::npos) << text;
  EXPECT_EQ(line_of(text, "main"), "running (the caller of dump)") << text;
  EXPECT_EQ(line_of(text, "reader"), "parked on an fd to become readable (fd " + std::to_string(p.fds[0]) + ")")
      << text;
  EXPECT_TRUE(starts_with(line_of(text, "writer"), "parked on sleep, times out in ")) << text;
  EXPECT_EQ(line_of(text, "locker"), "parked on Semaphore.acquire") << text;
  EXPECT_EQ(line_of(text, "joiner"), "parked on join: a greenlet to finish ('writer')") << text;
  EXPECT_TRUE(starts_with(line_of(text, "waiter"), "parked on Event.wait, times out in ")) << text;
  EXPECT_EQ(line_of(text, "late"), "not started yet") << text;
  // Parked greenlets come with their backtraces too (parked_backtrace_test.cpp).
  EXPECT_NE(text.find("parked on sleep, times out in "), std::string::npos) << text;
  EXPECT_EQ(text.find("parked greenlets have no backtrace"), std::string::npos) << text;
  // The running greenlet's backtrace: at least this test's frames.
  EXPECT_NE(text.find("    #0 "), std::string::npos) << text;

  lock.release();
  green::killall(std::vector{reader, writer, joiner, waiter});
  locker.join();
  late.join();
  // Dead greenlets leave the listing.
  EXPECT_NE(green::dump_text().find("main and 0 spawned"), std::string::npos) << green::dump_text();
}

TEST_F(Dump, WouldBlockForeverListsTheGreenlets) {
  green::Event a, b;
  auto stuck = green::spawn_with(named("stuck"), [&] { a.wait(); });
  std::string msg;
  try {
    b.wait();
  } catch (const green::LoopExit& e) {
    msg = e.what();
  }
  EXPECT_NE(msg.find("would block forever"), std::string::npos) << msg;
  EXPECT_EQ(line_of(msg, "main"), "parked on Event.wait") << msg;
  EXPECT_EQ(line_of(msg, "stuck"), "parked on Event.wait") << msg;
  stuck.kill();
}

using DumpSignal = FreshProcessTest;

TEST_F(DumpSignal, PrintsTheListingFromTheHub) {
  EXPECT_EXIT(
      {
        ::setenv("GREEN_DUMP_SIGNAL", "SIGUSR1", 1);
        green::Event never;
        auto g = green::spawn_with(named("sleepy"), [&] { never.wait(); });
        green::sleep(0ms);
        ::raise(SIGUSR1);  // libev records it; the dump runs at the hub's next poll
        green::sleep(1ms);
        g.kill();
        std::exit(0);
      },
      testing::ExitedWithCode(0), "'sleepy' #[0-9]+: parked on Event.wait");
}

TEST_F(DumpSignal, NonsenseIsRefusedWithAMessage) {
  EXPECT_EXIT(
      {
        ::setenv("GREEN_DUMP_SIGNAL", "BOGUS", 1);
        green::sleep(0ms);
        std::exit(0);
      },
      testing::ExitedWithCode(0), "ignoring GREEN_DUMP_SIGNAL=BOGUS: not a signal");
}

TEST(DumpNoHub, AThreadWithoutAHubSaysSo) {
  std::string text;
  std::thread([&] { text = green::dump_text(); }).join();
  EXPECT_NE(text.find("has no hub"), std::string::npos) << text;
}

}  // namespace
}  // namespace green_test

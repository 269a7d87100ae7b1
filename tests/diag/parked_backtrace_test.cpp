// parked_backtrace_test.cpp — green::dump and the "would block forever" report
// give every parked greenlet its backtrace, walked from its saved context; a
// corrupt frame chain ends the walk instead of crashing it.
//
// The functions named here have external linkage and the executable exports
// them (ENABLE_EXPORTS), so dladdr can name them; noinline keeps each its frame.
#include <chrono>
#include <cstdint>
#include <string>
#include <vector>

#include "fixture.h"
#include "green/dump.h"
#include "green/green.h"

// Outside any namespace: their names are what the dump must show.
extern "C" {
[[gnu::noinline]] void green_test_parks_on_sleep();
[[gnu::noinline]] void green_test_parks_on_event(green::Event* e);
[[gnu::noinline]] void green_test_parks_on_lock(green::Lock* l);
[[gnu::noinline]] void green_test_calls_the_parking_one(green::Event* e);
[[gnu::noinline]] void green_test_main_waits(green::Event* e);
[[gnu::noinline]] void green_test_parks_with_a_corrupt_chain(green::Event* e, std::uintptr_t bad);
}

void green_test_parks_on_sleep() {
  green::sleep(std::chrono::seconds(10));
  asm volatile("" ::: "memory");  // not a tail call: this frame stays on the stack
}
void green_test_parks_on_event(green::Event* e) {
  e->wait();
  asm volatile("" ::: "memory");
}
void green_test_calls_the_parking_one(green::Event* e) {
  green_test_parks_on_event(e);
  asm volatile("" ::: "memory");
}
void green_test_parks_on_lock(green::Lock* l) {
  l->acquire();
  l->release();
}
void green_test_main_waits(green::Event* e) {
  e->wait();
  asm volatile("" ::: "memory");
}
// Overwrites the saved frame pointer in its own frame record (the link to its
// caller's frame) while it is parked, and puts it back before returning.
void green_test_parks_with_a_corrupt_chain(green::Event* e, std::uintptr_t bad) {
  std::uintptr_t* volatile record = static_cast<std::uintptr_t*>(__builtin_frame_address(0));
  std::uintptr_t saved = record[0];
  record[0] = bad ? bad : reinterpret_cast<std::uintptr_t>(record);  // 0: a loop onto itself
  e->wait();
  record[0] = saved;
  asm volatile("" ::: "memory");
}

namespace green_test {
namespace {

using ParkedBacktrace = GreenTest;

green::SpawnOptions named(std::string name) {
  green::SpawnOptions o;
  o.name = std::move(name);
  return o;
}

// section_of: the dump's lines about greenlet `name`: its line and its frames.
std::string section_of(const std::string& text, const std::string& name) {
  auto at = text.find("'" + name + "' #");
  if (at == std::string::npos) return "(not listed)";
  auto end = text.find("\n  '", at);
  return text.substr(at, end == std::string::npos ? std::string::npos : end - at);
}

bool has(const std::string& text, const std::string& what) { return text.find(what) != std::string::npos; }

TEST_F(ParkedBacktrace, ThreeParkedGreenletsEachShowTheirFunctions) {
  green::Event event;
  green::Lock lock;
  lock.acquire();
  auto sleeper = green::spawn_with(named("sleeper"), [] { green_test_parks_on_sleep(); });
  auto waiter = green::spawn_with(named("waiter"), [&] { green_test_calls_the_parking_one(&event); });
  auto locker = green::spawn_with(named("locker"), [&] { green_test_parks_on_lock(&lock); });
  green::sleep(0ms);

  std::string text = green::dump_text();
  std::string s = section_of(text, "sleeper"), w = section_of(text, "waiter"), l = section_of(text, "locker");
  EXPECT_TRUE(has(s, "green_test_parks_on_sleep+0x")) << text;
  EXPECT_TRUE(has(s, "green::sleep")) << text;
  EXPECT_TRUE(has(w, "green_test_parks_on_event+0x")) << text;
  EXPECT_TRUE(has(w, "green_test_calls_the_parking_one+0x")) << text;
  EXPECT_TRUE(has(l, "green_test_parks_on_lock+0x")) << text;
  // Each greenlet's frames are its own.
  EXPECT_FALSE(has(s, "green_test_parks_on_event")) << text;
  EXPECT_FALSE(has(l, "green_test_parks_on_sleep")) << text;

  lock.release();
  event.set();
  green::killall(std::vector{sleeper});
  waiter.join();
  locker.join();
}

TEST_F(ParkedBacktrace, WouldBlockForeverShowsTheParkedMainAndSpawned) {
  green::Event never, also_never;
  auto stuck = green::spawn_with(named("stuck"), [&] { green_test_calls_the_parking_one(&never); });
  std::string msg;
  try {
    green_test_main_waits(&also_never);
  } catch (const green::LoopExit& e) {
    msg = e.what();
  }
  EXPECT_TRUE(has(section_of(msg, "main"), "green_test_main_waits+0x")) << msg;
  EXPECT_TRUE(has(section_of(msg, "stuck"), "green_test_calls_the_parking_one+0x")) << msg;
  stuck.kill();
}

TEST_F(ParkedBacktrace, ACorruptFrameChainEndsTheWalk) {
  green::Event event;
  // Outside every mapping, inside a mapping but not the stack, a loop onto itself.
  static int not_a_stack[8];
  std::vector<std::uintptr_t> bad{0xdead0000beef0ULL, reinterpret_cast<std::uintptr_t>(&not_a_stack), 0,
                                  0xffffffffffffff00ULL, 1};
  std::vector<green::Greenlet<void>> gs;
  for (std::size_t i = 0; i < bad.size(); ++i)
    gs.push_back(green::spawn_with(named("corrupt" + std::to_string(i)),
                                   [&event, b = bad[i]] { green_test_parks_with_a_corrupt_chain(&event, b); }));
  green::sleep(0ms);
  std::string text = green::dump_text();
  for (std::size_t i = 0; i < bad.size(); ++i) {
    std::string sec = section_of(text, "corrupt" + std::to_string(i));
    // The frames below the corrupt link are shown; the walk stops at it.
    EXPECT_TRUE(has(sec, "green_test_parks_with_a_corrupt_chain+0x")) << text;
    EXPECT_FALSE(has(sec, "#40 ")) << text;
  }
  event.set();
  green::joinall(gs);
}

}  // namespace
}  // namespace green_test

// gdb_target — greenlets parked on a timer, an event and a pipe, for the gdb
// extension's test (gdb_test.sh): main stops in green_gdb_stop_here() while
// they wait, on a thread of its own a second hub has one more.
#include <unistd.h>

#include <cstdio>
#include <thread>

#include "green/green.h"

using namespace std::chrono_literals;

extern "C" [[gnu::noinline]] void green_gdb_stop_here() { asm volatile("" ::: "memory"); }

namespace {

green::Event g_event;
int g_pipe[2];

// The barrier after each wait keeps the call from being a tail call, so the
// body's own frame stays on its stack for the backtrace to find.
#define KEEP_FRAME() asm volatile("" ::: "memory")
[[gnu::noinline]] void sleeper_body() {
  green::sleep(60s);
  KEEP_FRAME();
}
[[gnu::noinline]] void event_waiter_body() {
  g_event.wait();
  KEEP_FRAME();
}
[[gnu::noinline]] void pipe_reader_body() {
  green::wait_read(g_pipe[0]);
  KEEP_FRAME();
}
[[gnu::noinline]] void other_thread_body() {
  green::sleep(60s);
  KEEP_FRAME();
}

}  // namespace

int main() {
  if (::pipe(g_pipe) != 0) return 1;
  auto a = green::spawn_with({.name = "sleeper"}, sleeper_body);
  auto b = green::spawn_with({.name = "event-waiter"}, event_waiter_body);
  auto c = green::spawn_with({.name = "pipe-reader"}, pipe_reader_body);
  std::thread other([] {
    auto g = green::spawn_with({.name = "other-thread-sleeper"}, other_thread_body);
    green::sleep(200ms);  // let the main thread reach its stop while this one waits
    g.kill();
  });
  green::sleep(100ms);  // every greenlet has run up to its wait
  green_gdb_stop_here();
  other.join();
  a.kill();
  g_event.set();
  if (::write(g_pipe[1], "x", 1) != 1) return 1;
  green::joinall(std::vector{b, c});
  std::puts("gdb_target: done");
  return 0;
}

// trace_target — a program for GREEN_TRACE's tests: two greenlets that hand
// the thread back and forth N times (argv[1]; each handoff is a traced switch),
// a named greenlet that waits on a Lock, one that sleeps, and a second OS
// thread whose hub runs a greenlet of its own.
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <thread>

#include "green/green.h"

int main(int argc, char** argv) {
  long n = argc > 1 ? std::strtol(argv[1], nullptr, 10) : 100;
  if (n < 0 || n > 10'000'000) {
    std::fprintf(stderr, "usage: trace_target [HANDOFFS, 0..10000000]\n");
    return 2;
  }
  green::Lock lock;
  lock.acquire();
  green::SpawnOptions o;
  o.name = "lock-waiter";
  auto waiter = green::spawn_with(o, [&] {
    lock.acquire();
    lock.release();
  });
  o.name = "sleeper";
  auto sleeper = green::spawn_with(o, [] { green::sleep(std::chrono::milliseconds(20)); });
  auto ping = [n] {
    for (long i = 0; i < n; ++i) green::sleep(std::chrono::milliseconds(0));
  };
  o.name = "ping";
  auto a = green::spawn_with(o, ping);
  o.name = "pong";
  auto b = green::spawn_with(o, ping);
  std::thread other([] {
    green::SpawnOptions t;
    t.name = "other-thread";
    green::spawn_with(t, [] { green::sleep(std::chrono::milliseconds(5)); }).join();
  });
  green::joinall(std::vector{a, b, sleeper});
  other.join();
  lock.release();
  waiter.join();
  std::printf("done\n");
  return 0;
}

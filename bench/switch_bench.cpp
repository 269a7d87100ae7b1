// switch_bench — green's switch and spawn costs next to their anchors, in one run:
//   raw Boost.Context fiber resume (the floor of this design), Boost.Fiber
//   yield and spawn+join (when libboost-fiber-dev is installed), a pthread
//   condvar round trip, std::thread create+join.
// Run: build/bench/switch_bench  (`tools/dev.sh bench` prints the ratios table)
#include <benchmark/benchmark.h>
#include <boost/context/fiber.hpp>
#include <green/green.h>
#if defined(GREEN_HAVE_BOOST_FIBER)
#include <boost/fiber/all.hpp>
#endif

#include <condition_variable>
#include <mutex>
#include <thread>
#include <utility>

namespace ctx = boost::context;

// Anchor: two Boost.Context fibers handing control back and forth; one
// iteration is one switch (a resume), as green's yield below.
static void BM_anchor_boost_context_resume(benchmark::State& state) {
  bool stop = false;
  ctx::fiber f([&stop](ctx::fiber&& main) {
    while (!stop) main = std::move(main).resume();
    return std::move(main);
  });
  for (auto _ : state) f = std::move(f).resume();
  stop = true;
  f = std::move(f).resume();
}
BENCHMARK(BM_anchor_boost_context_resume);

// green: two greenlets ping-ponging through yield(); one iteration is one switch.
static void BM_green_yield_switch(benchmark::State& state) {
  bool stop = false;
  auto other = green::spawn([&stop] {
    while (!stop) green::yield();
  });
  for (auto _ : state) green::yield();
  stop = true;
  other.join();
}
BENCHMARK(BM_green_yield_switch);

// green: two greenlets ping-ponging through two Events (set wakes the other,
// wait parks); one iteration is one hand-off each way.
static void BM_green_event_ping_pong(benchmark::State& state) {
  green::Event ping, pong;
  bool stop = false;
  auto echo = green::spawn([&] {
    for (;;) {
      ping.wait();
      ping.clear();
      if (stop) return;
      pong.set();
    }
  });
  for (auto _ : state) {
    ping.set();
    pong.wait();
    pong.clear();
  }
  stop = true;
  ping.set();
  echo.join();
}
BENCHMARK(BM_green_event_ping_pong);

#if defined(GREEN_HAVE_BOOST_FIBER)
// Anchor: two Boost.Fiber fibers ping-ponging through this_fiber::yield();
// one iteration is one switch.
static void BM_anchor_boost_fiber_yield(benchmark::State& state) {
  bool stop = false;
  boost::fibers::fiber other([&stop] {
    while (!stop) boost::this_fiber::yield();
  });
  for (auto _ : state) boost::this_fiber::yield();
  stop = true;
  other.join();
}
BENCHMARK(BM_anchor_boost_fiber_yield);

// Anchor: Boost.Fiber create + join of an empty fiber.
static void BM_anchor_boost_fiber_spawn_join(benchmark::State& state) {
  for (auto _ : state) boost::fibers::fiber([] {}).join();
}
BENCHMARK(BM_anchor_boost_fiber_spawn_join);
#endif

// green: a Waiter wake round trip between two greenlets (two switches).
static void BM_green_waiter_round_trip(benchmark::State& state) {
  green::Waiter<void>* ping = nullptr;
  green::Waiter<void>* pong = nullptr;
  bool stop = false;
  auto echo = green::spawn([&] {
    green::Waiter<void> w;
    while (!stop) {
      ping = &w;
      w.get();
      w.reset();
      if (pong) pong->switch_();
    }
  });
  green::yield();
  for (auto _ : state) {
    green::Waiter<void> w;
    pong = &w;
    ping->switch_();
    w.get();
  }
  stop = true;
  pong = nullptr;
  ping->switch_();
  echo.join();
}
BENCHMARK(BM_green_waiter_round_trip);

// Anchor: a pthread condvar round trip between two OS threads.
static void BM_anchor_pthread_condvar_round_trip(benchmark::State& state) {
  std::mutex m;
  std::condition_variable cv;
  int turn = 0;
  bool stop = false;
  std::thread t([&] {
    std::unique_lock<std::mutex> lock(m);
    for (;;) {
      cv.wait(lock, [&] { return turn == 1 || stop; });
      if (stop) return;
      turn = 0;
      cv.notify_one();
    }
  });
  for (auto _ : state) {
    std::unique_lock<std::mutex> lock(m);
    turn = 1;
    cv.notify_one();
    cv.wait(lock, [&] { return turn == 0; });
  }
  {
    std::lock_guard<std::mutex> lock(m);
    stop = true;
  }
  cv.notify_one();
  t.join();
}
BENCHMARK(BM_anchor_pthread_condvar_round_trip);

// green: spawn + join of an empty greenlet.
static void BM_green_spawn_join(benchmark::State& state) {
  for (auto _ : state) green::spawn([] {}).join();
}
BENCHMARK(BM_green_spawn_join);

// Anchor: std::thread create + join.
static void BM_anchor_thread_create_join(benchmark::State& state) {
  for (auto _ : state) std::thread([] {}).join();
}
BENCHMARK(BM_anchor_thread_create_join);

BENCHMARK_MAIN();

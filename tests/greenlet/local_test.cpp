// local_test.cpp — green/local.h: a value per greenlet.
#include "green/local.h"

#include <chrono>
#include <cstdio>
#include <string>
#include <thread>
#include <vector>

#include "fixture.h"

namespace green_test {
namespace {

using Local = GreenTest;

// Counted: counts live instances, to see values die with their greenlets.
struct Counted {
  static inline int alive = 0;
  static inline int made = 0;
  int v = -1;
  Counted() { ++alive, ++made; }
  ~Counted() { --alive; }
  Counted(const Counted&) = delete;
  Counted& operator=(const Counted&) = delete;
};

TEST_F(Local, ThousandGreenletsEachSeeTheirOwnValueDestroyedAtDeath) {
  Counted::alive = Counted::made = 0;
  {
    green::local<Counted> value;
    std::vector<green::Greenlet<bool>> gs;
    for (int i = 0; i < 1000; ++i) {
      gs.push_back(green::spawn([&value, i] {
        value->v = i;
        green::sleep(1ms);  // every other greenlet writes meanwhile
        green::sleep(0ms);
        return value->v == i && value.has_value();
      }));
    }
    green::sleep(0ms);
    EXPECT_EQ(Counted::alive, 1000) << "each made its own";
    EXPECT_FALSE(value.has_value()) << "the main greenlet made none";
    int isolated = 0;
    for (auto& g : gs) isolated += g.get() ? 1 : 0;
    EXPECT_EQ(isolated, 1000);
    EXPECT_EQ(Counted::made, 1000);
    EXPECT_EQ(Counted::alive, 0) << "destroyed as each greenlet died";
  }
}

TEST_F(Local, DestroyedWhenItsGreenletDiesBeforeAJoinerResumes) {
  Counted::alive = 0;
  green::local<Counted> value;
  auto g = green::spawn([&] {
    value->v = 1;
    green::sleep(1ms);
  });
  green::sleep(0ms);
  EXPECT_EQ(Counted::alive, 1);
  g.join();
  EXPECT_EQ(Counted::alive, 0);
  auto killed = green::spawn([&] {
    value->v = 2;
    green::sleep(10s);
  });
  green::sleep(0ms);
  EXPECT_EQ(Counted::alive, 1);
  killed.kill();
  EXPECT_EQ(Counted::alive, 0) << "a kill is a death too";
}

TEST_F(Local, InitRunsOncePerGreenletAndResetStartsAgain) {
  int calls = 0;
  green::local<std::string> name([&] {
    ++calls;
    return std::string("fresh");
  });
  EXPECT_EQ(*name, "fresh");
  *name = "main";
  auto g = green::spawn([&] { return *name; });
  EXPECT_EQ(g.get(), "fresh");
  EXPECT_EQ(*name, "main");
  EXPECT_EQ(calls, 2);
  name.reset();
  EXPECT_FALSE(name.has_value());
  EXPECT_EQ(*name, "fresh");
  EXPECT_EQ(calls, 3);
  name.reset();
}

TEST_F(Local, GreenletsOfAnotherHubHaveTheirOwn) {
  green::local<int> value;
  *value = 1;
  int seen_there = -1;
  std::thread t([&] {
    auto g = green::spawn([&] {
      int first = *value;
      *value = 2;
      return first;
    });
    seen_there = g.get();
    *value = 3;
  });
  t.join();
  EXPECT_EQ(seen_there, 0);
  EXPECT_EQ(*value, 1);
  value.reset();
}

constexpr int kLookups = 2'000'000;

// Not a timing assertion: prints what a lookup costs, for the header's note.
TEST_F(Local, LookupCost) {
  green::local<int> value;
  thread_local int plain = 0;
  constexpr int n = kLookups;
  auto g = green::spawn([&] {
    *value = 0;
    auto t0 = std::chrono::steady_clock::now();
    for (int i = 0; i < n; ++i) *value += i & 1;
    auto t1 = std::chrono::steady_clock::now();
    for (int i = 0; i < n; ++i) {
      plain += i & 1;
      asm volatile("" ::: "memory");
    }
    auto t2 = std::chrono::steady_clock::now();
    auto ns = [](auto d) { return std::chrono::duration<double, std::nano>(d).count() / kLookups; };
    std::printf("green::local lookup %.1f ns, thread_local %.1f ns\n", ns(t1 - t0), ns(t2 - t1));
    return *value;
  });
  EXPECT_EQ(g.get(), n / 2);
  value.reset();
}

}  // namespace
}  // namespace green_test

// threadpool_test.cpp — green/threadpool.h: ThreadPool and run_in_thread.
#include "green/threadpool.h"

#include <atomic>
#include <chrono>
#include <memory>
#include <stdexcept>
#include <string>
#include <thread>
#include <vector>

#include "toolkit_fixture.h"

namespace toolkit_test {
namespace {

using ThreadPoolTest = ToolkitTest;

// spin_until: poll `cond` from an OS thread (no hub there), up to 5 s.
template <class C>
bool spin_until(C cond) {
  for (int i = 0; i < 5000; ++i) {
    if (cond()) return true;
    std::this_thread::sleep_for(std::chrono::milliseconds(1));
  }
  return false;
}

TEST_F(ThreadPoolTest, ResultsAndExceptionsTravelBack) {
  auto caller = std::this_thread::get_id();
  auto [value, where] = green::run_in_thread([] { return std::pair{6 * 7, std::this_thread::get_id()}; });
  EXPECT_EQ(value, 42);
  EXPECT_NE(where, caller);
  bool ran = false;
  green::run_in_thread([&] { ran = true; });
  EXPECT_TRUE(ran);
  try {
    green::run_in_thread([]() -> int { throw std::runtime_error("from the pool thread"); });
    ADD_FAILURE() << "no exception";
  } catch (const std::runtime_error& e) {
    EXPECT_STREQ(e.what(), "from the pool thread");
  }
  std::string big = green::run_in_thread([] { return std::string(100000, 'q'); });
  EXPECT_EQ(big.size(), 100000u);
}

// The job blocks its OS thread until greenlets have ticked: it can only
// return true if the hub kept running them meanwhile.
TEST_F(ThreadPoolTest, TheHubKeepsRunningWhileAPoolThreadBlocks) {
  std::atomic<int> ticks{0};
  bool stop = false;
  auto ticker = green::spawn([&] {
    while (!stop) {
      ticks.fetch_add(1);
      green::sleep(1ms);
    }
  });
  bool saw_ticks = green::run_in_thread([&] { return spin_until([&] { return ticks.load() >= 20; }); });
  stop = true;
  ticker.join();
  EXPECT_TRUE(saw_ticks);
}

TEST_F(ThreadPoolTest, GrowsLazilyUpToItsLimitAndIdleThreadsExit) {
  green::ThreadPool pool(2, std::chrono::milliseconds(30));
  EXPECT_EQ(pool.threads(), 0u);
  std::atomic<int> running{0}, peak{0};
  std::atomic<bool> go{false};
  auto job = [&] {
    int now = running.fetch_add(1) + 1;
    int p = peak.load();
    while (now > p && !peak.compare_exchange_weak(p, now)) {
    }
    spin_until([&] { return go.load(); });
    running.fetch_sub(1);
  };
  std::vector<green::Greenlet<void>> gs;
  for (int i = 0; i < 5; ++i) gs.push_back(green::spawn([&] { green::run_in_thread(job, pool); }));
  for (int i = 0; i < 5000 && running.load() < 2; ++i) green::sleep(1ms);
  EXPECT_EQ(running.load(), 2);
  EXPECT_EQ(pool.threads(), 2u);
  go = true;
  green::joinall(gs);
  EXPECT_EQ(peak.load(), 2);
  for (int i = 0; i < 2500 && pool.threads() > 0; ++i) green::sleep(2ms);
  EXPECT_EQ(pool.threads(), 0u) << "idle threads did not exit";
  // And it grows again on demand.
  EXPECT_EQ(green::run_in_thread([] { return 1; }, pool), 1);
}

TEST_F(ThreadPoolTest, SpawnReturnsAnAsyncResultUsableInWait) {
  green::ThreadPool pool(2);
  auto answer = pool.spawn([] { return 6 * 7; });
  auto fails = pool.spawn([]() -> int { throw std::runtime_error("spawned job failed"); });
  bool ran = false;
  auto nothing = pool.spawn([&] { ran = true; });
  std::vector<std::shared_ptr<green::AsyncResult<int>>> results{answer, fails};
  EXPECT_EQ(green::wait(results, 5s).size(), 2u);
  EXPECT_EQ(answer->get(), 42);
  EXPECT_THROW(fails->get(), std::runtime_error);
  nothing->get(5s);
  EXPECT_TRUE(ran);
}

TEST_F(ThreadPoolTest, MapKeepsInputOrderAndRethrowsTheFirstFailure) {
  green::ThreadPool pool(3);
  // Later items finish first: the order comes from the input, not completion.
  auto squares = pool.map(
      [](int x) {
        std::this_thread::sleep_for(std::chrono::milliseconds(5 * (4 - x)));
        return x * x;
      },
      std::vector<int>{1, 2, 3, 4});
  EXPECT_EQ(squares, (std::vector<int>{1, 4, 9, 16}));
  std::vector<std::string> words{"a", "bad", "c"};
  try {
    pool.map([](const std::string& w) -> std::size_t { return w == "bad" ? throw std::invalid_argument(w) : w.size(); },
             words);
    ADD_FAILURE() << "no exception";
  } catch (const std::invalid_argument& e) {
    EXPECT_STREQ(e.what(), "bad");
  }
}

// Two threads, four jobs in flight at most: the fifth submit parks its
// greenlet until one job finishes, and another greenlet runs meanwhile.
TEST_F(ThreadPoolTest, BoundedSubmitParksTheFifthUntilOneFinishes) {
  std::atomic<bool> gate[5] = {};
  {
    green::ThreadPool pool(2, std::chrono::seconds(5), 4);
    EXPECT_EQ(pool.max_pending(), 4u);
    for (int i = 0; i < 4; ++i) pool.submit([&gate, i] { spin_until([&] { return gate[i].load(); }); });
    EXPECT_EQ(pool.pending(), 4u);
    EXPECT_FALSE(pool.try_submit([] {})) << "a full pool accepted a job without waiting";
    bool fifth_in = false;
    auto submitter = green::spawn([&] {
      pool.submit([&gate] { spin_until([&] { return gate[4].load(); }); });
      fifth_in = true;
    });
    int ticks = 0;
    for (; ticks < 20; ++ticks) green::sleep(1ms);  // the hub keeps running other greenlets
    EXPECT_EQ(ticks, 20);
    EXPECT_FALSE(fifth_in) << "the fifth submit did not wait for room";
    gate[0] = true;  // one job finishes: its slot goes to the parked submitter
    for (int i = 0; i < 5000 && !fifth_in; ++i) green::sleep(1ms);
    EXPECT_TRUE(fifth_in);
    EXPECT_EQ(pool.pending(), 4u);
    for (auto& g : gate) g = true;
    submitter.join();
  }  // the destructor waits for the jobs
}

class ThreadPoolInterrupt : public ToolkitTest, public testing::WithParamInterface<Interrupt> {};

TEST_P(ThreadPoolInterrupt, InterruptedSubmitQueuesNothingAndLeavesTheSlotFree) {
  std::atomic<bool> release{false};
  std::atomic<int> ran{0};
  green::ThreadPool pool(1, std::chrono::seconds(5), 1);
  pool.submit([&] {
    spin_until([&] { return release.load(); });
    ran.fetch_add(1);
  });
  EXPECT_TRUE(run_interrupted(GetParam(), [&] { pool.submit([&] { ran.fetch_add(100); }); }));
  release = true;
  EXPECT_EQ(pool.spawn([] { return 7; })->get(5s), 7);  // the slot came back
  EXPECT_EQ(ran.load(), 1) << "the interrupted submit's job ran";
  // A job's result reaches the hub just before its worker counts it done.
  for (int i = 0; i < 5000 && pool.pending() != 0; ++i) green::sleep(1ms);
  EXPECT_EQ(pool.pending(), 0u);
}

TEST_P(ThreadPoolInterrupt, InterruptedWaitDropsTheResultAndLeavesNothingHeld) {
  std::atomic<bool> release{false}, finished{false};
  {
    green::ThreadPool pool(1);
    EXPECT_TRUE(run_interrupted(GetParam(), [&] {
      green::run_in_thread(
          [&] {
            spin_until([&] { return release.load(); });
            finished = true;
            return 5;
          },
          pool);
    }));
    release = true;
  }  // the pool's destructor waits for the job
  EXPECT_TRUE(finished.load());
  settle();  // the job's wakeup arrives for a caller that is gone: ignored
}

INSTANTIATE_TEST_SUITE_P(All, ThreadPoolInterrupt, testing::Values(Interrupt::kill, Interrupt::timeout), name_of);

}  // namespace
}  // namespace toolkit_test

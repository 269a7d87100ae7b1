// cxx_threads.cpp — the C++ standard library's threads on top of pthreads:
// std::thread, std::mutex, std::condition_variable (with timeouts),
// std::call_once, std::shared_mutex, std::async, this_thread::sleep_for,
// and an exception handed between threads through std::promise.
#include <chrono>
#include <condition_variable>
#include <cstdio>
#include <future>
#include <mutex>
#include <queue>
#include <shared_mutex>
#include <stdexcept>
#include <thread>
#include <vector>

#include "os_threads.h"

int main() {
  using namespace std::chrono_literals;
  std::mutex m;
  std::condition_variable cv;
  std::queue<int> q;
  bool closed = false;
  long sum = 0;

  std::vector<std::thread> consumers;
  for (int c = 0; c < 3; ++c)
    consumers.emplace_back([&] {
      for (;;) {
        std::unique_lock<std::mutex> lock(m);
        cv.wait(lock, [&] { return !q.empty() || closed; });
        if (q.empty()) return;
        sum += q.front();
        q.pop();
      }
    });
  std::thread producer([&] {
    for (int i = 1; i <= 1000; ++i) {
      {
        std::lock_guard<std::mutex> lock(m);
        q.push(i);
      }
      cv.notify_one();
      if (i % 100 == 0) std::this_thread::yield();
    }
    note_os_threads("cxx.producer");
    std::lock_guard<std::mutex> lock(m);
    closed = true;
    cv.notify_all();
  });
  producer.join();
  for (auto& t : consumers) t.join();
  std::printf("sum: %ld\n", sum);

  {
    std::unique_lock<std::mutex> lock(m);
    auto t0 = std::chrono::steady_clock::now();
    bool got = cv.wait_for(lock, 50ms, [] { return false; });
    auto waited = std::chrono::steady_clock::now() - t0;
    std::printf("wait_for timed out: %s, waited >= 50ms: %s\n", got ? "no" : "yes", waited >= 50ms ? "yes" : "no");
  }

  std::once_flag once;
  int once_runs = 0;
  std::vector<std::thread> ts;
  for (int i = 0; i < 4; ++i)
    ts.emplace_back([&] {
      std::call_once(once, [&] {
        std::this_thread::sleep_for(20ms);
        ++once_runs;
      });
    });
  for (auto& t : ts) t.join();
  std::printf("call_once ran %d time(s)\n", once_runs);

  std::shared_mutex sm;
  int shared_value = 0;
  std::thread w([&] {
    std::unique_lock<std::shared_mutex> lock(sm);
    std::this_thread::sleep_for(20ms);
    shared_value = 42;
  });
  std::this_thread::sleep_for(5ms);
  int seen;
  {
    std::shared_lock<std::shared_mutex> lock(sm);
    seen = shared_value;
  }
  w.join();
  std::printf("reader after writer: %d\n", seen);

  auto f = std::async(std::launch::async, [] {
    std::this_thread::sleep_for(10ms);
    return 7;
  });
  std::printf("async result: %d\n", f.get());

  std::promise<int> p;
  auto pf = p.get_future();
  std::thread thrower([&] {
    try {
      throw std::runtime_error("from another thread");
    } catch (...) {
      p.set_exception(std::current_exception());
    }
  });
  try {
    pf.get();
  } catch (const std::exception& e) {
    std::printf("exception crossed threads: %s\n", e.what());
  }
  thrower.join();
  std::printf("ids differ: %s\n", std::this_thread::get_id() != std::thread::id() ? "yes" : "no");
  return 0;
}

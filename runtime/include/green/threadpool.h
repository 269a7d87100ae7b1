// green/threadpool.h — run calls that cannot be made cooperative on OS threads
// while the calling greenlet waits (gevent's threadpool).
//
//   auto addr = green::run_in_thread([&] { return slow_blocking_lookup(name); });
//
// The function runs on a pool thread with no hub (so interposed calls inside it
// go straight to libc); the caller parks until it returns, other greenlets run
// meanwhile. Its result or exception travels back to the caller.
//
// Threads are created on demand up to a limit and exit after being idle for a
// while, so an idle program holds no pool threads.
#pragma once

#include <chrono>
#include <condition_variable>
#include <cstddef>
#include <deque>
#include <exception>
#include <functional>
#include <memory>
#include <mutex>
#include <optional>
#include <type_traits>
#include <utility>

#include "green/hub.h"
#include "green/waiter.h"

namespace green {

// ThreadPool: a FIFO of jobs served by up to `max_threads` OS threads.
class ThreadPool {
 public:
  explicit ThreadPool(std::size_t max_threads, std::chrono::milliseconds idle_exit = std::chrono::seconds(5));
  // ~ThreadPool: waits for running jobs; queued jobs still run first.
  ~ThreadPool();
  ThreadPool(const ThreadPool&) = delete;
  ThreadPool& operator=(const ThreadPool&) = delete;

  // submit: queue `job` (never blocks the caller). Safe from any thread.
  void submit(std::function<void()> job);

  // threads: OS threads currently alive in the pool.
  std::size_t threads() const;

  // shared: the process-wide pool used by run_in_thread (GREEN_THREADPOOL_SIZE threads at most).
  static ThreadPool& shared();

 private:
  void worker();

  mutable std::mutex mutex_;
  std::condition_variable cv_;
  std::condition_variable done_cv_;
  std::deque<std::function<void()>> jobs_;
  std::size_t max_threads_;
  std::chrono::milliseconds idle_exit_;
  std::size_t threads_ = 0;
  std::size_t idle_ = 0;
  bool stopping_ = false;
};

// run_in_thread: run f() on `pool` and park until it finishes; returns its
// value or rethrows its exception. May switch. Kill/Timeout aimed at the caller
// interrupt the wait (f keeps running on its thread; its result is dropped).
// Must be called from a greenlet (or the main greenlet), not from the hub.
template <class F>
auto run_in_thread(F&& f, ThreadPool& pool = ThreadPool::shared()) -> std::invoke_result_t<F> {
  using T = std::invoke_result_t<F>;
  using Slot = std::conditional_t<std::is_void_v<T>, bool, std::optional<T>>;
  // Shared with the pool thread: it outlives a caller that was killed.
  struct State {
    Slot value{};
    std::exception_ptr error;
    Waiter<void> done;
  };
  auto st = std::make_shared<State>();
  HubHandle hub = this_hub();
  KeepAlive hold;  // a wakeup is coming from the pool thread
  pool.submit([st, hub, fn = std::forward<F>(f)]() mutable {
    try {
      if constexpr (std::is_void_v<T>) {
        fn();
        st->value = true;
      } else {
        st->value.emplace(fn());
      }
    } catch (...) {
      st->error = std::current_exception();
    }
    hub.post([st] { st->done.switch_(); });
  });
  st->done.get("a function running on a pool thread (run_in_thread)");
  if (st->error) std::rethrow_exception(st->error);
  if constexpr (!std::is_void_v<T>) return std::move(*st->value);
}

}  // namespace green

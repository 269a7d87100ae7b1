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
//
// A pool may also bound its jobs: with max_pending = 4, at most 4 jobs are
// queued or running at once and a fifth submit parks its greenlet until one
// finishes (other greenlets keep running meanwhile). The shared pool is
// unbounded.
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
#include <ranges>
#include <type_traits>
#include <utility>
#include <vector>

#include "green/duration.h"
#include "green/event.h"
#include "green/hub.h"
#include "green/waiter.h"

namespace green {

// ThreadPool: a FIFO of jobs served by up to `max_threads` OS threads, with
// at most `max_pending` jobs queued or running (unbounded by default).
//
//   green::ThreadPool pool(2, 5s, 4);                 // 2 threads, 4 jobs in flight
//   auto r = pool.spawn([] { return crc32_of_file("big"); });
//   auto sizes = pool.map([](const std::string& p) { return file_size(p); }, paths);
class ThreadPool {
 public:
  // unbounded: the max_pending that never makes submit wait.
  static constexpr std::size_t unbounded = static_cast<std::size_t>(-1);

  // ThreadPool: max_threads 0 means 1; max_pending 0 means 1.
  explicit ThreadPool(std::size_t max_threads, std::chrono::milliseconds idle_exit = std::chrono::seconds(5),
                      std::size_t max_pending = unbounded);
  // ~ThreadPool: waits for running jobs; queued jobs still run first. No
  // greenlet may still be parked in submit.
  ~ThreadPool();
  ThreadPool(const ThreadPool&) = delete;
  ThreadPool& operator=(const ThreadPool&) = delete;

  // submit: queue `job`. While max_pending jobs are queued or running, parks
  // the calling greenlet (FIFO among submitters) until one finishes; kill and
  // Timeout aimed at the caller interrupt that wait, and then `job` was not
  // queued. Throws BlockingInHubError when it would have to wait in the hub.
  // When the pool has room it never switches and is safe from any thread
  // (waiting needs a greenlet: call it from a greenlet of a bounded pool).
  // `job` must not throw (run_in_thread and spawn catch for you).
  void submit(std::function<void()> job) { try_submit(std::move(job), forever); }
  // try_submit: submit, waiting at most `timeout` for room (a non-positive
  // timeout only tries); returns false, without queuing `job`, when there was
  // none in time.
  bool try_submit(std::function<void()> job, Duration timeout = Duration::zero());

  // spawn: run f() on the pool and return at once with the AsyncResult its
  // value (or exception) arrives in; wait on it with get()/wait() or with
  // green::wait/iwait. Parks only as submit does when the pool is full. The
  // result is completed in the calling thread's hub (post), so it must be
  // waited on there; dropping it does not cancel f.
  template <class F>
  auto spawn(F&& f) -> std::shared_ptr<AsyncResult<std::invoke_result_t<F>>>;

  // map: f(x) for every x of `items` on the pool, in parallel up to the
  // pool's threads; parks the caller until every call finished and returns
  // the results in input order, or rethrows the first failure (in input
  // order). Kill and Timeout interrupt the wait; the calls then finish on
  // their threads and their results are dropped.
  template <class F, std::ranges::input_range R>
  auto map(F f, R&& items) -> std::vector<std::invoke_result_t<F&, std::ranges::range_reference_t<R>>>;

  // threads: OS threads currently alive in the pool.
  std::size_t threads() const;
  // pending: jobs queued or running now. max_pending: the bound.
  std::size_t pending() const;
  std::size_t max_pending() const noexcept { return max_pending_; }

  // shared: the process-wide pool used by run_in_thread (GREEN_THREADPOOL_SIZE threads at most).
  static ThreadPool& shared();

 private:
  struct Parked;
  void worker();
  void finish_one_locked();

  mutable std::mutex mutex_;
  std::condition_variable cv_;
  std::condition_variable done_cv_;
  std::deque<std::function<void()>> jobs_;
  std::size_t max_threads_;
  std::chrono::milliseconds idle_exit_;
  std::size_t threads_ = 0;
  std::size_t idle_ = 0;
  std::size_t max_pending_;
  std::size_t pending_ = 0;                     // queued + running + slots granted to parked submitters
  std::deque<std::shared_ptr<Parked>> parked_;  // submitters waiting for room, FIFO
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

template <class F>
auto ThreadPool::spawn(F&& f) -> std::shared_ptr<AsyncResult<std::invoke_result_t<F>>> {
  using T = std::invoke_result_t<F>;
  using Slot = std::conditional_t<std::is_void_v<T>, bool, std::optional<T>>;
  auto result = std::make_shared<AsyncResult<T>>();
  // The hub must not report "would block forever" while the job runs. The
  // hold is deleted in the hub, when the result is set — a raw pointer, so no
  // copy of the job can destroy it on a pool thread (were the hub's thread
  // gone, it leaks with it).
  auto* hold = new KeepAlive;
  HubHandle hub = this_hub();
  auto job = [result, hold, hub, fn = std::forward<F>(f)]() mutable {
    auto slot = std::make_shared<Slot>();
    std::exception_ptr error;
    try {
      if constexpr (std::is_void_v<T>) {
        fn();
      } else {
        slot->emplace(fn());
      }
    } catch (...) {
      error = std::current_exception();
    }
    // Moved into the posted call: the AsyncResult and the KeepAlive must die
    // on the hub's thread, never here.
    hub.post([result = std::move(result), hold, slot, error]() mutable {
      if (error) {
        result->set_exception(error);
      } else if constexpr (std::is_void_v<T>) {
        result->set();
      } else {
        result->set(std::move(**slot));
      }
      delete hold;
    });
  };
  try {
    submit(std::move(job));
  } catch (...) {
    delete hold;  // interrupted while waiting for room: the job was not queued
    throw;
  }
  return result;
}

template <class F, std::ranges::input_range R>
auto ThreadPool::map(F f, R&& items) -> std::vector<std::invoke_result_t<F&, std::ranges::range_reference_t<R>>> {
  using Out = std::invoke_result_t<F&, std::ranges::range_reference_t<R>>;
  static_assert(!std::is_void_v<Out>, "ThreadPool::map needs f to return a value; use spawn for void calls");
  std::vector<std::shared_ptr<AsyncResult<Out>>> calls;
  for (auto&& x : items) calls.push_back(spawn([f, x]() mutable { return f(x); }));
  // Every call is waited for, even after one failed: a pool thread cannot be
  // interrupted, and nothing of this map may be left running behind it.
  std::exception_ptr first_failure;
  for (auto& r : calls) {
    r->wait();
    if (!first_failure) first_failure = r->exception();
  }
  if (first_failure) std::rethrow_exception(first_failure);
  std::vector<Out> out;
  out.reserve(calls.size());
  for (auto& r : calls) out.push_back(r->get());
  return out;
}

}  // namespace green

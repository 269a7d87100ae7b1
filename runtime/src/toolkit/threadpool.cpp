// toolkit/threadpool.cpp — green::ThreadPool (green/threadpool.h).
//
// Workers are detached OS threads (green-pool) counted under the mutex; the
// destructor waits for the count to reach zero. A worker idle for idle_exit_
// leaves, so the pool shrinks back to nothing when unused.
#include "green/threadpool.h"

#include <atomic>

#include "core/fork.h"
#include "green/settings.h"
#include "runtime_internal.h"

namespace green {

// Parked: a greenlet waiting in try_submit for room. The slot is handed to
// it (granted, pending_ already counted) by the worker that finished a job,
// so a newcomer cannot overtake it; the wakeup travels by its hub's mailbox.
struct ThreadPool::Parked {
  HubHandle hub;
  Waiter<void> woken;    // touched only on the submitter's hub thread
  bool granted = false;  // under mutex_
};

ThreadPool::ThreadPool(std::size_t max_threads, std::chrono::milliseconds idle_exit, std::size_t max_pending)
    : max_threads_(max_threads ? max_threads : 1), idle_exit_(idle_exit), max_pending_(max_pending ? max_pending : 1) {}

ThreadPool::~ThreadPool() {
  std::unique_lock<std::mutex> lock(mutex_);
  stopping_ = true;
  cv_.notify_all();
  done_cv_.wait(lock, [this] { return threads_ == 0; });
}

bool ThreadPool::try_submit(std::function<void()> job, Duration timeout) {
  std::unique_lock<std::mutex> lock(mutex_);
  if (pending_ >= max_pending_ || !parked_.empty()) {
    if (timeout <= Duration::zero()) return false;
    auto me = std::make_shared<Parked>();
    me->hub = this_hub();
    parked_.push_back(me);
    lock.unlock();
    bool granted = false;
    try {
      KeepAlive hold;  // a worker will post the wakeup
      me->woken.wait(timeout, "room in a bounded ThreadPool (submit)");
    } catch (...) {
      lock.lock();
      if (me->granted) {
        finish_one_locked();  // hand the slot we were given to the next in line
      } else {
        std::erase(parked_, me);
      }
      throw;
    }
    lock.lock();
    granted = me->granted;
    if (!granted) {
      std::erase(parked_, me);
      return false;
    }
  } else {
    ++pending_;
  }
  jobs_.push_back(std::move(job));
  if (idle_ > 0 || threads_ >= max_threads_) {
    cv_.notify_one();
    return true;
  }
  ++threads_;
  // Pool threads block for real, even when the program's own pthreads are
  // greenlets; named before this returns, so tools (and green's own tests)
  // never see one of green's helper threads as the program's.
  detail::start_named_thread(
      "green-pool", [](void* pool) { static_cast<ThreadPool*>(pool)->worker(); }, this);
  return true;
}

void ThreadPool::finish_one_locked() {
  while (!parked_.empty()) {
    std::shared_ptr<Parked> next = std::move(parked_.front());
    parked_.pop_front();
    next->granted = true;
    if (next->hub.post([next] { next->woken.switch_(); })) return;
    // Its hub's thread is gone: the slot goes to the one after it.
  }
  --pending_;
}

std::size_t ThreadPool::threads() const {
  std::lock_guard<std::mutex> lock(mutex_);
  return threads_;
}

std::size_t ThreadPool::pending() const {
  std::lock_guard<std::mutex> lock(mutex_);
  return pending_;
}

void ThreadPool::worker() {
  std::unique_lock<std::mutex> lock(mutex_);
  for (;;) {
    if (jobs_.empty()) {
      if (stopping_) break;
      ++idle_;
      bool woke = cv_.wait_for(lock, idle_exit_, [this] { return !jobs_.empty() || stopping_; });
      --idle_;
      if (!woke) break;  // idle too long: leave
      continue;
    }
    auto job = std::move(jobs_.front());
    jobs_.pop_front();
    lock.unlock();
    job();  // run_in_thread's jobs catch their own exceptions
    job = nullptr;
    lock.lock();
    finish_one_locked();
  }
  --threads_;
  if (threads_ == 0) done_cv_.notify_all();
}

namespace {
// Leaked on purpose: pool threads may still run while static destructors do.
// A forked child starts a new one (its workers do not exist there).
std::atomic<ThreadPool*> g_shared{nullptr};
}  // namespace

ThreadPool& ThreadPool::shared() {
  ThreadPool* pool = g_shared.load(std::memory_order_acquire);
  if (pool) return *pool;
  auto* made = new ThreadPool(static_cast<std::size_t>(setting_number("GREEN_THREADPOOL_SIZE")));
  if (g_shared.compare_exchange_strong(pool, made, std::memory_order_acq_rel)) return *made;
  delete made;  // another thread won; never used
  return *pool;
}

}  // namespace green

namespace green::detail {
void threadpool_after_fork_child() noexcept { g_shared.store(nullptr, std::memory_order_release); }
}  // namespace green::detail

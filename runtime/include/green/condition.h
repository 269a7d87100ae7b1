// green/condition.h — wait for a state change guarded by a Lock
// (gevent's / threading's Condition).
//
//   std::unique_lock hold(cond);              // cond.lock() takes its Lock
//   cond.wait_until_true([&] { return !jobs.empty(); });
//
// Waiters are notified in the order they began waiting (FIFO). A waiter
// killed or timed out after being notified passes the notification on to the
// next waiter, so notify() is never lost to an interrupted greenlet. Objects
// belong to the hub thread that uses them.
#pragma once

#include <cstddef>

#include "green/detail/waitlist.h"
#include "green/duration.h"
#include "green/lock.h"

namespace green {

// Condition: a wait list tied to a Lock. The Condition is itself Lockable (it
// locks its Lock), like Python's Condition.
class Condition : public detail::LockInterface<Condition> {
 public:
  // Condition: over `lock`, which must outlive it.
  explicit Condition(Lock& lock) noexcept : lock_(lock) {}
  Condition(const Condition&) = delete;
  Condition& operator=(const Condition&) = delete;

  // acquire / release: the Lock's (same switching and error rules).
  bool acquire(Duration timeout = forever) { return lock_.acquire(timeout); }
  void release() { lock_.release(); }

  // wait: release the Lock, park until notified or `timeout` passes, then
  // re-acquire the Lock (always, even when interrupted) before returning or
  // throwing. Returns whether it was notified. Throws LockError unless the
  // caller holds the Lock. Kill and Timeout interrupt the wait; one that
  // arrives while re-acquiring is thrown once the Lock is held again.
  bool wait(Duration timeout = forever);
  // wait_until_true: wait until `pred()` holds (checked under the Lock, first
  // before any wait) or `timeout` passes in total; returns pred().
  template <class Pred>
  bool wait_until_true(Pred pred, Duration timeout = forever);

  // notify: wake up to `n` waiters (FIFO). notify_all: every waiter parked now.
  // Never switch; woken waiters run once the caller yields and the Lock is
  // free. Throw LockError unless the caller holds the Lock.
  void notify(std::size_t n = 1);
  void notify_all();

  // waiters: greenlets parked in wait().
  std::size_t waiters() const noexcept { return waiters_.parked(); }

 private:
  void require_held(const char* what) const;
  Lock& lock_;
  detail::WaitList waiters_;
};

template <class Pred>
bool Condition::wait_until_true(Pred pred, Duration timeout) {
  if (timeout == forever) {
    while (!pred()) wait();
    return true;
  }
  auto deadline = std::chrono::steady_clock::now() + timeout;
  while (!pred()) {
    auto left = std::chrono::duration_cast<Duration>(deadline - std::chrono::steady_clock::now());
    if (left <= Duration::zero()) return pred();
    wait(left);
  }
  return true;
}

}  // namespace green

// green/semaphore.h — counting semaphores for greenlets (gevent.lock.Semaphore).
//
// Strict FIFO: release() hands its permit straight to the longest-waiting
// greenlet instead of raising the count, so a newcomer can never overtake a
// parked waiter. A waiter that is killed (or timed out by a Timeout) after it
// was handed a permit gives it to the next waiter on its way out, so no
// permit is lost.
//
// Satisfies the standard Lockable and TimedLockable requirements (lock,
// unlock, try_lock, try_lock_for, try_lock_until), so std::lock_guard and
// std::unique_lock work. Objects belong to the hub thread that uses them.
//
// A Semaphore is also a waitable (gevent): green::wait / iwait / select accept
// `Semaphore*` or std::ref(sem) and report it ready when a permit is free —
// it could be acquired without blocking — without taking the permit.
//
//   green::Semaphore* ready[] = {&a, &b};
//   auto free = green::wait(ready, 1s, 1);     // the first with a free permit
#pragma once

#include <cstddef>
#include <stdexcept>

#include "green/detail/linkable.h"
#include "green/detail/lock_interface.h"
#include "green/detail/waitlist.h"
#include "green/duration.h"

namespace green {

// Semaphore: `value` permits; acquire takes one, release gives one back.
//
//   green::Semaphore slots(3);
//   { std::lock_guard hold(slots); fetch(url); }    // at most 3 at once
class Semaphore : public detail::LockInterface<Semaphore>, public detail::Linkable {
 public:
  explicit Semaphore(std::size_t value = 1) noexcept : counter_(value) {}
  Semaphore(const Semaphore&) = delete;
  Semaphore& operator=(const Semaphore&) = delete;
  ~Semaphore() override = default;

  // acquire: take a permit, parking (FIFO) until one is free or `timeout`
  // passes; returns false on timeout (a non-positive timeout only tries).
  // Kill and Timeout aimed at the caller interrupt it and leave no waiter or
  // permit behind. Throws BlockingInHubError from the hub when it must wait.
  bool acquire(Duration timeout = forever);
  // release: give a permit back — to the first waiter if any (it runs when
  // the caller next yields), else to the count. Never switches.
  void release();

  // wait: park until a permit is free without taking it; returns whether one
  // is. Same waiting rules as acquire.
  bool wait(Duration timeout = forever);

  // counter: free permits now. locked: none is free. Never switch.
  std::size_t counter() const noexcept { return counter_; }
  bool locked() const noexcept { return counter_ == 0; }
  // waiters: greenlets parked in acquire/wait.
  std::size_t waiters() const noexcept { return waiters_.parked(); }

  // ready: a permit is free (acquire would not block). linkable: what
  // green::wait links to; its links fire when a permit becomes free. Never switch.
  bool ready() const noexcept override { return counter_ > 0; }
  detail::Linkable& linkable() noexcept { return *this; }

 protected:
  // check_release: BoundedSemaphore's hook; throws to refuse a release.
  virtual void check_release() const {}

 private:
  std::size_t counter_;
  detail::WaitList waiters_;
};

// BoundedSemaphore: a Semaphore whose release() past the initial value throws
// std::logic_error instead of creating a permit — it catches unbalanced
// acquire/release pairs.
//
//   green::BoundedSemaphore s(1);
//   s.release();                                     // throws: never acquired
class BoundedSemaphore : public Semaphore {
 public:
  explicit BoundedSemaphore(std::size_t value = 1) noexcept : Semaphore(value), initial_(value) {}

 protected:
  void check_release() const override;

 private:
  std::size_t initial_;
};

// DummySemaphore: a Semaphore that never limits (gevent's DummySemaphore):
// acquire always succeeds at once, release does nothing. For code that takes
// a semaphore where "no limit" must be expressible (e.g. an unbounded pool).
// Never switches, never throws.
class DummySemaphore : public detail::LockInterface<DummySemaphore> {
 public:
  bool acquire(Duration = forever) noexcept { return true; }
  void release() noexcept {}
  bool wait(Duration = forever) noexcept { return true; }
  bool locked() const noexcept { return false; }
  std::size_t waiters() const noexcept { return 0; }
};

}  // namespace green

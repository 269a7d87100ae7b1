// green/lock.h — mutual exclusion between greenlets (gevent.lock).
//
// Both locks are owned by the greenlet that acquired them: release() from any
// other greenlet throws LockError, and so does acquiring a Lock its owner
// already holds (it would wait forever). Waiters get the lock in the order
// they asked (FIFO, see green/semaphore.h); a waiter killed or timed out after
// being handed the lock passes it on. Both satisfy Lockable and TimedLockable,
// so std::lock_guard / std::unique_lock / std::scoped_lock work.
// Objects belong to the hub thread that uses them.
#pragma once

#include <cstddef>
#include <stdexcept>

#include "green/detail/greenlet_core.h"
#include "green/detail/lock_interface.h"
#include "green/detail/noncopyable.h"
#include "green/duration.h"
#include "green/semaphore.h"

namespace green {

// LockError: a lock used against its ownership rules.
class LockError : public std::logic_error {
 public:
  using std::logic_error::logic_error;
};

namespace detail {
// OwnedLock: what Lock and RLock share — one permit, and the greenlet that
// holds it (set by the new owner when it resumes).
class OwnedLock : NonCopyable {
 public:
  // locked: some greenlet holds it. held: the caller holds it. Never switch.
  bool locked() const noexcept { return sem_.locked(); }
  bool held() const { return owner_ != nullptr && owner_ == current_core(); }

 protected:
  OwnedLock() = default;
  Semaphore sem_{1};
  GreenletCore* owner_ = nullptr;
};
}  // namespace detail

// Lock: a non-reentrant mutex owned by a greenlet.
//
//   green::Lock m;
//   { std::lock_guard hold(m); balance += amount; }
class Lock : public detail::OwnedLock, public detail::LockInterface<Lock> {
 public:
  // acquire: take the lock, parking (FIFO) until it is free or `timeout`
  // passes; returns false on timeout (non-positive: only tries). Throws
  // LockError when the caller already holds it. Kill and Timeout interrupt
  // the wait and leave no waiter behind.
  bool acquire(Duration timeout = forever);
  // release: give the lock to the first waiter (it runs when the caller next
  // yields). Never switches. Throws LockError unless the caller holds it.
  void release();
};

// RLock: a reentrant mutex — its owner may acquire it again; it is free once
// released as many times as acquired.
//
//   green::RLock m;
//   std::lock_guard a(m); { std::lock_guard b(m); }   // no deadlock
class RLock : public detail::OwnedLock, public detail::LockInterface<RLock> {
 public:
  // acquire: as Lock::acquire, but the owner re-entering succeeds at once.
  bool acquire(Duration timeout = forever);
  // release: undo one acquire; the last one frees the lock for the first
  // waiter. Never switches. Throws LockError unless the caller holds it.
  void release();
  // depth: how many times the owner holds it (0 when free).
  std::size_t depth() const noexcept { return count_; }

 private:
  std::size_t count_ = 0;
};

}  // namespace green

// sync.cpp — Semaphore, BoundedSemaphore, Lock, RLock and Condition
// (green/semaphore.h, green/lock.h, green/condition.h).
//
// Everything is built on detail::WaitList. The Semaphore hands permits
// directly to the first waiter (see semaphore.h for why); Lock and RLock are a
// one-permit Semaphore plus an owner, set by the new owner when it resumes.
#include <exception>
#include <string>

#include "green/condition.h"
#include "green/detail/greenlet_core.h"
#include "green/lock.h"
#include "green/semaphore.h"

namespace green {

// --- Semaphore ---------------------------------------------------------------

bool Semaphore::acquire(Duration timeout) {
  // counter_ > 0 implies nobody is parked (release hands off instead of
  // counting while anyone waits), so taking it here cannot overtake a waiter.
  if (counter_ > 0) {
    --counter_;
    return true;
  }
  if (timeout <= Duration::zero()) return false;
  // Notified means "handed a permit": an interrupted holder passes it on.
  return detail::wait_in(waiters_, timeout, "Semaphore.acquire", [this] { release(); });
}

void Semaphore::release() {
  if (waiters_.notify_one()) return;
  check_release();
  ++counter_;
}

bool Semaphore::wait(Duration timeout) {
  if (counter_ > 0) return true;
  if (!acquire(timeout)) return false;
  release();
  return true;
}

void BoundedSemaphore::check_release() const {
  if (counter() >= initial_) {
    throw std::logic_error("green::BoundedSemaphore released more times than acquired (initial value " +
                           std::to_string(initial_) + ")");
  }
}

// --- Lock / RLock --------------------------------------------------------------

namespace {
[[noreturn]] void not_owner(const char* what) {
  throw LockError(std::string("green::") + what +
                  ".release() called by a greenlet that does not hold it; only the owner may release it");
}
}  // namespace

bool Lock::held() const { return owner_ != nullptr && owner_ == detail::current_core(); }

bool Lock::acquire(Duration timeout) {
  detail::GreenletCore* me = detail::current_core();
  if (owner_ == me) {
    throw LockError("green::Lock.acquire() by the greenlet that already holds it: it would wait forever "
                    "(use green::RLock for re-entrant locking)");
  }
  if (!sem_.acquire(timeout)) return false;
  owner_ = me;
  return true;
}

void Lock::release() {
  if (!held()) not_owner("Lock");
  owner_ = nullptr;
  sem_.release();
}

bool RLock::held() const { return owner_ != nullptr && owner_ == detail::current_core(); }

bool RLock::acquire(Duration timeout) {
  detail::GreenletCore* me = detail::current_core();
  if (owner_ == me) {
    ++count_;
    return true;
  }
  if (!sem_.acquire(timeout)) return false;
  owner_ = me;
  count_ = 1;
  return true;
}

void RLock::release() {
  if (!held()) not_owner("RLock");
  if (--count_ != 0) return;
  owner_ = nullptr;
  sem_.release();
}

// --- Condition -------------------------------------------------------------------

void Condition::require_held(const char* what) const {
  if (!lock_.held()) {
    throw LockError(std::string("green::Condition.") + what + "() called without holding its Lock");
  }
}

bool Condition::wait(Duration timeout) {
  require_held("wait");
  lock_.release();
  bool notified = false;
  std::exception_ptr interrupted;
  try {
    notified = detail::wait_in(waiters_, timeout, "Condition.wait", [this] { waiters_.notify_one(); });
  } catch (...) {
    interrupted = std::current_exception();
  }
  // The caller's lock_guard/unique_lock will release the Lock: it must be held
  // again whatever happened. A kill arriving meanwhile is kept for later.
  for (;;) {
    try {
      lock_.acquire();
      break;
    } catch (...) {
      if (!interrupted) interrupted = std::current_exception();
    }
  }
  if (interrupted) std::rethrow_exception(interrupted);
  return notified;
}

void Condition::notify(std::size_t n) {
  require_held("notify");
  while (n-- != 0 && waiters_.notify_one()) {
  }
}

void Condition::notify_all() {
  require_held("notify_all");
  waiters_.notify_all();
}

}  // namespace green

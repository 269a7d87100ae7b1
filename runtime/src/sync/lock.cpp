// sync/lock.cpp — Lock and RLock (green/lock.h).
//
// Each is a one-permit Semaphore plus an owner, set by the new owner when it
// resumes.
#include "green/lock.h"

#include <string>

#include "green/detail/greenlet_core.h"

namespace green {

namespace {
[[noreturn]] void not_owner(const char* what) {
  throw LockError(std::string("green::") + what +
                  ".release() called by a greenlet that does not hold it; only the owner may release it");
}
}  // namespace

bool Lock::acquire(Duration timeout) {
  detail::GreenletCore* me = detail::current_core();
  if (owner_ == me) {
    throw LockError(
        "green::Lock.acquire() by the greenlet that already holds it: it would wait forever "
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

}  // namespace green

// sync/condition.cpp — Condition (green/condition.h): waiters on a WaitList,
// the Lock released while parked and held again whatever ends the wait.
#include "green/condition.h"

#include <exception>
#include <string>

namespace green {

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

// sync/semaphore.cpp — Semaphore and BoundedSemaphore (green/semaphore.h).
//
// Built on detail::WaitList. The Semaphore hands permits directly to the
// first waiter (see semaphore.h for why).
#include "green/semaphore.h"

#include <stdexcept>
#include <string>

namespace green {

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
  // Nobody was parked: the permit is free, so waiters in green::wait may go.
  if (!links().empty()) notify_links();
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

}  // namespace green

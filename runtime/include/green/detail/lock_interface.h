// green/detail/lock_interface.h — the standard Lockable / TimedLockable
// member functions over a class's acquire(timeout) / release(), shared by
// Semaphore, Lock, RLock and Condition so std::lock_guard, std::unique_lock
// and std::scoped_lock work with all of them.
#pragma once

#include <chrono>

#include "green/duration.h"

namespace green::detail {

template <class Self>
class LockInterface {
 public:
  // lock / unlock / try_lock / try_lock_for / try_lock_until: acquire or
  // release under the standard names; same switching, error and kill rules.
  void lock() { self().acquire(); }
  void unlock() { self().release(); }
  bool try_lock() { return self().acquire(Duration::zero()); }
  template <class Rep, class Period>
  bool try_lock_for(const std::chrono::duration<Rep, Period>& d) {
    return self().acquire(std::chrono::duration_cast<Duration>(d));
  }
  template <class Clock, class Dur>
  bool try_lock_until(const std::chrono::time_point<Clock, Dur>& t) {
    return try_lock_for(t - Clock::now());
  }

 private:
  Self& self() { return static_cast<Self&>(*this); }
};

}  // namespace green::detail

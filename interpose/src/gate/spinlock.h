// gate/spinlock.h — the lock under the hooks' own bookkeeping.
//
// Not a pthread mutex: in green-threads mode pthread_mutex_lock is one of our
// hooks, so the hooks' own state needs a lock that never comes back to them.
// Critical sections under it are a few pointer moves long and never switch
// greenlets; a waiter on another OS thread spins briefly, then yields its CPU
// with a raw system call (sched_yield and syscall() are hooked too).
#pragma once

#include <sys/syscall.h>
#include <unistd.h>

#include "raw_syscall.h"

#include <atomic>

namespace green::interpose {

// cpu_relax: tell the CPU this is a spin-wait loop.
inline void cpu_relax() noexcept {
#if defined(__x86_64__) || defined(__i386__)
  __builtin_ia32_pause();
#endif
}

class SpinLock {
 public:
  void lock() noexcept {
    for (unsigned spins = 0; flag_.exchange(true, std::memory_order_acquire); ++spins) {
      while (flag_.load(std::memory_order_relaxed)) {
        if (++spins < 64) {
          cpu_relax();
        } else {
          green::detail::sys(SYS_sched_yield);
        }
      }
    }
  }
  bool try_lock() noexcept { return !flag_.exchange(true, std::memory_order_acquire); }
  void unlock() noexcept { flag_.store(false, std::memory_order_release); }

 private:
  std::atomic<bool> flag_{false};
};

}  // namespace green::interpose

// threads/hooks_mutex.cpp — green-threads mode: pthread mutexes that park greenlets.
//
// The mutex keeps glibc's layout and initialisers (PTHREAD_MUTEX_INITIALIZER,
// the recursive/errorcheck ones, pthread_mutex_init — which is glibc's own):
// __lock is the lock word, __owner the owner id (threads::self_id), __count
// the recursion depth, __kind the type. Lock word: bit 0 locked, bit 1 some
// waiter parked. Uncontended lock and unlock are one compare-and-swap each. A
// contended unlock hands the mutex to the first waiter (FIFO, as gevent's
// locks), so a greenlet that unlocks and relocks cannot starve the others.
#include <errno.h>
#include <pthread.h>
#include <time.h>

#include <atomic>
#include <climits>
#include <optional>

#include "gate/real.h"
#include "runtime_internal.h"
#include "threads/green_mutex.h"
#include "threads/shared_wait.h"
#include "threads/thread_tls.h"
#include "threads/threads.h"

namespace gi = green::interpose;
namespace gt = green::interpose::threads;

namespace {

constexpr int kLocked = 1;
constexpr int kParked = 2;

// glibc's __kind bits (nptl/pthreadP.h): the type in the low bits; these flag
// mutexes green must leave to glibc.
constexpr int kKindMask = 3;
constexpr int kRobust = 16, kPrioInherit = 32, kPrioProtect = 64, kPshared = 128;

int type_of(const pthread_mutex_t* m) noexcept { return m->__data.__kind & kKindMask; }

// glibc's call on a native mutex, with the tid the kernel wants (thread_tls.h).
template <class Call>
int native_call(pthread_mutex_t* m, Call call) {
  gt::KernelTid kernel(m);
  return call();
}
std::atomic_ref<int> word(pthread_mutex_t* m) noexcept { return std::atomic_ref<int>(m->__data.__lock); }

// Abandoned: a waiter the mutex was handed to was killed before it ran:
// pass the mutex on.
void abandon(const void* key, std::uintptr_t) {
  auto* m = static_cast<pthread_mutex_t*>(const_cast<void*>(key));
  m->__data.__count = 1;
  gt::mutex_unlock(m);
}

// `caller`: the hook's return address. green's own locks (std::mutex in the
// runtime) come here too; their holders include OS threads of green's, so
// their waiters sleep as OS threads (Want::os_sleep).
int lock_slow(pthread_mutex_t* m, const gi::Deadline& d, const void* caller) {
  auto w = word(m);
  const bool own = caller && green::detail::is_green_code(caller);
  gi::lot::Want want{"pthread_mutex_lock"};
  want.os_sleep = own;
  for (;;) {
    int v = w.load(std::memory_order_relaxed);
    if (!(v & kLocked)) {
      if (w.compare_exchange_weak(v, v | kLocked, std::memory_order_acquire)) return 0;
      continue;
    }
    std::optional<gt::WaitNote> note;
    if (!own) note.emplace("pthread_mutex_lock", m, m->__data.__owner);
    auto r = gi::lot::park(
        m,
        [&] {
          // Under the bucket lock: announce a parked waiter, unless it was just unlocked.
          int x = w.load(std::memory_order_relaxed);
          for (;;) {
            if (!(x & kLocked)) return false;
            if (x & kParked) return true;
            if (w.compare_exchange_weak(x, x | kParked, std::memory_order_relaxed)) return true;
          }
        },
        [] {}, d, want, nullptr, abandon);
    if (r == gi::lot::Result::unparked) return 0;  // handed over: ours
    if (r == gi::lot::Result::timed_out) return ETIMEDOUT;
  }
}

int lock(pthread_mutex_t* m, const gi::Deadline& d, bool try_only, const void* caller = nullptr) {
  int id = gt::self_id();
  int type = type_of(m);
  if (type == PTHREAD_MUTEX_RECURSIVE_NP && m->__data.__owner == id) {
    if (m->__data.__count == UINT_MAX) return EAGAIN;
    ++m->__data.__count;
    return 0;
  }
  if (type == PTHREAD_MUTEX_ERRORCHECK_NP && m->__data.__owner == id) return try_only ? EBUSY : EDEADLK;
  int expected = 0;
  if (!word(m).compare_exchange_strong(expected, kLocked, std::memory_order_acquire)) {
    if (try_only) return EBUSY;
    if (int r = lock_slow(m, d, caller)) return r;
  }
  m->__data.__owner = id;
  m->__data.__count = 1;
  return 0;
}

int clocklock(pthread_mutex_t* m, clockid_t clock, const struct timespec* abs, const void* caller) {
  if (gt::native_mutex(m)) {
    if (!gt::on() || gt::mode() != gt::Mode::green || !gi::valid_abstime(clock, abs))
      return REAL(pthread_mutex_clocklock)(m, clock, abs);
    return gt::shared_mutex_lock(m, clock, abs);
  }
  // As glibc: the time is only checked when the mutex is not free.
  int r = lock(m, gi::Deadline::never(), true);
  if (r != EBUSY) return r;
  if (!gi::valid_abstime(clock, abs)) return EINVAL;
  return lock(m, gi::Deadline::at(clock, *abs), false, caller);
}

}  // namespace

namespace green::interpose::threads {

bool native_mutex(const pthread_mutex_t* m) noexcept {
  return !on() || (m->__data.__kind & (kRobust | kPrioInherit | kPrioProtect | kPshared)) != 0;
}

int mutex_lock(pthread_mutex_t* m, const Deadline& d) {
  if (native_mutex(m)) return native_call(m, [m] { return REAL(pthread_mutex_lock)(m); });
  return lock(m, d, false);
}

int mutex_unlock(pthread_mutex_t* m) {
  if (native_mutex(m)) return native_call(m, [m] { return REAL(pthread_mutex_unlock)(m); });
  int type = type_of(m);
  if (type == PTHREAD_MUTEX_RECURSIVE_NP || type == PTHREAD_MUTEX_ERRORCHECK_NP) {
    if (m->__data.__owner != self_id() || !(word(m).load(std::memory_order_relaxed) & kLocked)) return EPERM;
    if (type == PTHREAD_MUTEX_RECURSIVE_NP && --m->__data.__count != 0) return 0;
  }
  m->__data.__owner = 0;
  m->__data.__count = 0;
  int expected = kLocked;
  if (word(m).compare_exchange_strong(expected, 0, std::memory_order_release)) return 0;
  // Waiters parked: hand the mutex to the first, still locked.
  auto w = word(m);
  lot::unpark_one(m, [&](bool found, const lot::Waiting& who, bool more) -> std::uintptr_t {
    if (!found) {
      w.store(0, std::memory_order_release);
      return 0;
    }
    m->__data.__owner = who.id;
    m->__data.__count = 1;
    w.store(more ? kLocked | kParked : kLocked, std::memory_order_release);
    return 1;
  });
  return 0;
}

unsigned mutex_release_all(pthread_mutex_t* m) {
  unsigned count = 1;
  if (!native_mutex(m) && type_of(m) == PTHREAD_MUTEX_RECURSIVE_NP) {
    count = m->__data.__count;
    m->__data.__count = 1;
  }
  mutex_unlock(m);
  return count;
}

int mutex_reacquire(pthread_mutex_t* m, unsigned count) {
  int r = mutex_lock(m, Deadline::never());
  if (r == 0 && count > 1) m->__data.__count = count;
  return r;
}

bool mutex_owned(const pthread_mutex_t* m) noexcept {
  int type = type_of(m);
  if (native_mutex(m) || (type != PTHREAD_MUTEX_RECURSIVE_NP && type != PTHREAD_MUTEX_ERRORCHECK_NP)) return true;
  return m->__data.__owner == self_id() && (m->__data.__lock & kLocked);
}

}  // namespace green::interpose::threads

extern "C" {

int pthread_mutex_lock(pthread_mutex_t* m) {
  if (gt::native_mutex(m)) {
    if (!gt::on() || gt::mode() != gt::Mode::green) return REAL(pthread_mutex_lock)(m);
    return gt::shared_mutex_lock(m, CLOCK_REALTIME, nullptr);
  }
  return lock(m, gi::Deadline::never(), false, __builtin_return_address(0));
}

int pthread_mutex_trylock(pthread_mutex_t* m) {
  if (gt::native_mutex(m)) return native_call(m, [m] { return REAL(pthread_mutex_trylock)(m); });
  return lock(m, gi::Deadline::never(), true);
}

int pthread_mutex_clocklock(pthread_mutex_t* m, clockid_t clock, const struct timespec* abs) {
  return clocklock(m, clock, abs, __builtin_return_address(0));
}

int pthread_mutex_timedlock(pthread_mutex_t* m, const struct timespec* abs) {
  if (gt::native_mutex(m)) {
    if (!gt::on() || gt::mode() != gt::Mode::green || !gi::valid_abstime(CLOCK_REALTIME, abs))
      return REAL(pthread_mutex_timedlock)(m, abs);
    return gt::shared_mutex_lock(m, CLOCK_REALTIME, abs);
  }
  return clocklock(m, CLOCK_REALTIME, abs, __builtin_return_address(0));
}

int pthread_mutex_unlock(pthread_mutex_t* m) { return gt::mutex_unlock(m); }

}  // extern "C"

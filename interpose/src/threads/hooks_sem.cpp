// threads/hooks_sem.cpp — green-threads mode: POSIX semaphores that park greenlets.
//
// An unnamed process-private semaphore keeps glibc's layout: a 64-bit word
// whose low half is the value, then the futex flag glibc's sem_init stores:
// 0 (FUTEX_PRIVATE) for a private semaphore, 128 (FUTEX_SHARED, which is
// FUTEX_PRIVATE_FLAG: glibc XORs it into the futex op) for a process-shared
// one (nptl/sem_init.c, sysdeps/nptl/futex-internal.h; sem_open stores 128
// too). green uses bit 32 of the word for "waiters parked"; sem_getvalue
// (glibc's) still reads the value right. A post with waiters parked hands its
// unit to the first of them (FIFO). Process-shared and named semaphores stay
// glibc's; a wait on one that must block parks the green thread while a pool
// thread waits (shared_wait.h).
#include <errno.h>
#include <semaphore.h>
#include <time.h>

#include <atomic>
#include <climits>
#include <cstdint>

#include "gate/park.h"
#include "gate/real.h"
#include "threads/shared_wait.h"
#include "threads/threads.h"

namespace gi = green::interpose;
namespace gt = green::interpose::threads;

namespace {

constexpr std::uint64_t kValueMask = 0xffffffffull;
constexpr std::uint64_t kParked = 1ull << 32;
constexpr int kPrivate = 0;  // glibc's flag of a process-private semaphore (see top)

struct Layout {
  std::uint64_t data;
  int priv;
};
static_assert(sizeof(Layout) <= sizeof(sem_t));

Layout* layout(sem_t* s) { return reinterpret_cast<Layout*>(s); }
std::atomic_ref<std::uint64_t> word(sem_t* s) { return std::atomic_ref<std::uint64_t>(layout(s)->data); }

bool native(sem_t* s) { return !gt::on() || layout(s)->priv != kPrivate; }

// glibc_wait: a wait on glibc's semaphore `s` (process-shared or named).
// A green thread parks while a pool thread waits (shared_wait.h); anyone
// else, bad arguments (glibc's EINVAL at once) and a unit there now get
// glibc's own call, `native`. A cancellation point, as glibc's.
template <class Native>
int glibc_wait(gi::Hook h, sem_t* s, clockid_t clock, const timespec* abs, Native native) {
  if (!gt::on() || gt::mode() != gt::Mode::green) return native();
  if (abs && !gi::valid_abstime(clock, abs)) return native();
  int saved = errno;
  if (REAL(sem_trywait)(s) == 0) return 0;
  if (errno != EAGAIN) return native();
  errno = saved;
  return gi::barrier(h, native, [&] { return gt::shared_sem_wait(s, clock, abs); });
}

bool try_take(sem_t* s) {
  auto w = word(s);
  std::uint64_t v = w.load(std::memory_order_relaxed);
  while (v & kValueMask)
    if (w.compare_exchange_weak(v, v - 1, std::memory_order_acquire)) return true;
  return false;
}

int post(sem_t* s);
void abandon(const void* key, std::uintptr_t) { post(static_cast<sem_t*>(const_cast<void*>(key))); }

int wait(sem_t* s, const gi::Deadline& d) {
  gt::CancelPoint cp;
  if (try_take(s)) return 0;
  gt::WaitNote note("sem_wait", s);
  auto w = word(s);
  for (;;) {
    bool canceled = false;
    gi::lot::Result r = gi::lot::Result::invalid;
    try {
      r = gi::lot::park(
          s,
          [&] {
            std::uint64_t v = w.load(std::memory_order_relaxed);
            for (;;) {
              if (v & kValueMask) return false;  // posted meanwhile: take it
              if (v & kParked) return true;
              if (w.compare_exchange_weak(v, v | kParked, std::memory_order_relaxed)) return true;
            }
          },
          [] {}, d, {"sem_wait"}, nullptr, abandon);
    } catch (const gt::Canceled&) {
      canceled = true;
    }
    if (canceled) gt::act_on_cancel();
    if (r == gi::lot::Result::unparked) return 0;  // a post handed its unit to us
    if (r == gi::lot::Result::timed_out) {
      errno = ETIMEDOUT;
      return -1;
    }
    if (try_take(s)) return 0;
  }
}

int post(sem_t* s) {
  auto w = word(s);
  std::uint64_t v = w.load(std::memory_order_relaxed);
  while (!(v & kParked)) {
    if ((v & kValueMask) == SEM_VALUE_MAX) {
      errno = EOVERFLOW;
      return -1;
    }
    if (w.compare_exchange_weak(v, v + 1, std::memory_order_release)) return 0;
  }
  gi::lot::unpark_one(s, [&](bool found, const gi::lot::Waiting&, bool more) -> std::uintptr_t {
    std::uint64_t x = w.load(std::memory_order_relaxed);
    if (found) {
      if (!more) w.store(x & ~kParked, std::memory_order_release);
    } else {
      w.store((x & kValueMask) + 1, std::memory_order_release);
    }
    return 1;
  });
  return 0;
}

int timed(sem_t* s, clockid_t clock, const timespec* abs) {
  if (try_take(s)) return 0;
  if (!gi::valid_abstime(clock, abs)) {
    errno = EINVAL;
    return -1;
  }
  return wait(s, gi::Deadline::at(clock, *abs));
}

}  // namespace

extern "C" {

int sem_init(sem_t* s, int pshared, unsigned int value) {
  if (!gt::on() || pshared) return REAL(sem_init)(s, pshared, value);
  if (value > SEM_VALUE_MAX) {
    errno = EINVAL;
    return -1;
  }
  *s = sem_t{};
  layout(s)->data = value;
  layout(s)->priv = kPrivate;
  return 0;
}

int sem_wait(sem_t* s) {
  if (native(s)) return glibc_wait(gi::Hook::sem_wait, s, CLOCK_REALTIME, nullptr, [&] { return REAL(sem_wait)(s); });
  return wait(s, gi::Deadline::never());
}

int sem_trywait(sem_t* s) {
  if (native(s)) return REAL(sem_trywait)(s);
  if (try_take(s)) return 0;
  errno = EAGAIN;
  return -1;
}

int sem_timedwait(sem_t* s, const struct timespec* abs) {
  if (native(s))
    return glibc_wait(gi::Hook::sem_timedwait, s, CLOCK_REALTIME, abs, [&] { return REAL(sem_timedwait)(s, abs); });
  return timed(s, CLOCK_REALTIME, abs);
}

int sem_clockwait(sem_t* s, clockid_t clock, const struct timespec* abs) {
  if (native(s))
    return glibc_wait(gi::Hook::sem_clockwait, s, clock, abs, [&] { return REAL(sem_clockwait)(s, clock, abs); });
  return timed(s, clock, abs);
}

int sem_post(sem_t* s) {
  if (native(s)) return REAL(sem_post)(s);
  return post(s);
}

}  // extern "C"

// threads/shared_wait.cpp — waits on process-shared objects (shared_wait.h).
#include "threads/shared_wait.h"

#include <errno.h>
#include <sys/syscall.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <memory>
#include <utility>

#include "gate/park.h"
#include "gate/real.h"
#include "green/threadpool.h"

namespace green::interpose::threads {

namespace {

// The pool thread waits in slices so that it notices a caller that stopped
// waiting (killed, canceled) within one slice instead of holding a pool
// thread until the semaphore is posted.
constexpr long kSliceNs = 100'000'000;

timespec slice_end(clockid_t clock, const timespec* abs) {
  timespec t{};
  ::clock_gettime(clock, &t);
  t.tv_nsec += kSliceNs;
  if (t.tv_nsec >= 1'000'000'000L) {
    t.tv_nsec -= 1'000'000'000L;
    ++t.tv_sec;
  }
  if (abs && (abs->tv_sec < t.tv_sec || (abs->tv_sec == t.tv_sec && abs->tv_nsec < t.tv_nsec))) return *abs;
  return t;
}

// Who finished first: the pool thread taking a unit (took) or the caller
// giving up (gone). The second to mark sees the first's mark; if that pair is
// "took" and "gone", whoever sees it posts the unit back.
enum : int { kWaiting, kTook, kGone };

}  // namespace

int shared_sem_wait(sem_t* s, clockid_t clock, const timespec* abs) {
  auto state = std::make_shared<std::atomic<int>>(kWaiting);
  const bool has_abs = abs != nullptr;
  const timespec until = has_abs ? *abs : timespec{};
  struct GiveUp {
    sem_t* s;
    std::shared_ptr<std::atomic<int>> state;
    bool done = false;
    ~GiveUp() {
      if (!done && state->exchange(kGone) == kTook) REAL(sem_post)(s);
    }
  } give_up{s, state};
  auto [rc, err] = green::run_in_thread([s, clock, has_abs, until, state]() -> std::pair<int, int> {
    for (;;) {
      if (state->load(std::memory_order_acquire) == kGone) return {-1, ECANCELED};
      timespec end = slice_end(clock, has_abs ? &until : nullptr);
      if (REAL(sem_clockwait)(s, clock, &end) == 0) {
        if (state->exchange(kTook) == kGone) REAL(sem_post)(s);
        return {0, 0};
      }
      int e = errno;
      if (e == ETIMEDOUT && has_abs && end.tv_sec == until.tv_sec && end.tv_nsec == until.tv_nsec)
        return {-1, ETIMEDOUT};
      if (e != ETIMEDOUT && e != EINTR) return {-1, e};
    }
  });
  give_up.done = true;
  if (rc != 0) errno = err;
  return rc;
}

int shared_mutex_lock(pthread_mutex_t* m, clockid_t clock, const timespec* abs) {
  // glibc's types (low bits of __kind) and the tid mask of a robust __lock.
  constexpr int kErrorCheck = 2, kKindMask = 3;
  constexpr unsigned kTidMask = 0x3fffffff;
  const Deadline d = abs ? Deadline::at(clock, *abs) : Deadline::never();
  auto backoff = std::chrono::microseconds(50);
  const pid_t me = static_cast<pid_t>(::syscall(SYS_gettid));
  for (;;) {
    int r = REAL(pthread_mutex_trylock)(m);
    if (r != EBUSY) return r;
    // glibc's lock finds an errorcheck mutex held by its own thread; trylock
    // only says busy. (Green threads share the OS thread's tid: see
    // docs/interposition.md.)
    if ((m->__data.__kind & kKindMask) == kErrorCheck &&
        (static_cast<unsigned>(m->__data.__owner) & kTidMask) == static_cast<unsigned>(me))
      return EDEADLK;
    if (!d.forever() && d.left() <= Duration::zero()) return ETIMEDOUT;
    Duration nap = std::min<Duration>(std::chrono::duration_cast<Duration>(backoff), d.left());
    int saved = errno;
    sleep_until(Hook::pthread_mutex_lock, Deadline::after(nap), OnSignal::restart);
    errno = saved;
    backoff = std::min(backoff * 2, std::chrono::microseconds(5000));
  }
}

}  // namespace green::interpose::threads

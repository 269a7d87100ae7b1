// threads/shared_wait.cpp — waits on process-shared objects (shared_wait.h).
#include "threads/shared_wait.h"

#include <errno.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "raw_syscall.h"

#include <algorithm>
#include <atomic>
#include <chrono>
#include <memory>
#include <mutex>
#include <utility>

#include "gate/park.h"
#include "gate/real.h"
#include "green/threadpool.h"
#include "runtime_internal.h"
#include "threads/thread_tls.h"

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

// waits_pool: the threads that make glibc's waits for green threads. One per
// waiter, up to kMaxWaiters: waits on process-shared objects must not wait
// for each other (a condition's waiters hold a pool thread until signalled)
// or for the shared pool's DNS lookups. Never destroyed (a thread may wait
// for good; exit must not wait for it); a forked child makes its own.
constexpr std::size_t kMaxWaiters = 1024;
std::atomic<green::ThreadPool*> g_waits{nullptr};

green::ThreadPool& waits_pool() {
  static std::once_flag registered;
  std::call_once(registered, [] { ::pthread_atfork(nullptr, nullptr, [] { g_waits.store(nullptr); }); });
  green::ThreadPool* p = g_waits.load(std::memory_order_acquire);
  if (p) return *p;
  auto* fresh = new green::ThreadPool(kMaxWaiters, std::chrono::seconds(5));
  if (g_waits.compare_exchange_strong(p, fresh, std::memory_order_acq_rel)) return *fresh;
  delete fresh;  // another thread's came first
  return *p;
}

// retry_with_backoff: try_once() until it says anything but EBUSY, sleeping a
// back-off (50 us doubling to 5 ms) between tries, until `abs` on `clock`
// (null: no deadline; then ETIMEDOUT).
template <class Try>
int retry_with_backoff(Hook h, clockid_t clock, const timespec* abs, Try try_once) {
  const Deadline d = abs ? Deadline::at(clock, *abs) : Deadline::never();
  auto backoff = std::chrono::microseconds(50);
  for (;;) {
    int r = try_once();
    if (r != EBUSY) return r;
    if (!d.forever() && d.left() <= Duration::zero()) return ETIMEDOUT;
    Duration nap = std::min<Duration>(std::chrono::duration_cast<Duration>(backoff), d.left());
    int saved = errno;
    sleep_until(h, Deadline::after(nap), OnSignal::restart);
    errno = saved;
    backoff = std::min(backoff * 2, std::chrono::microseconds(5000));
  }
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
  auto [rc, err] = green::run_in_thread(
      [s, clock, has_abs, until, state]() -> std::pair<int, int> {
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
      },
      waits_pool());
  give_up.done = true;
  if (rc != 0) errno = err;
  return rc;
}

int shared_mutex_lock(pthread_mutex_t* m, clockid_t clock, const timespec* abs) {
  // glibc's types (low bits of __kind) and the tid mask of a robust __lock.
  constexpr int kErrorCheck = 2, kKindMask = 3;
  constexpr unsigned kTidMask = 0x3fffffff;
  const pid_t me = tls_own_tid();
  return retry_with_backoff(Hook::pthread_mutex_lock, clock, abs, [&] {
    KernelTid kernel(m);
    int r = REAL(pthread_mutex_trylock)(m);
    // glibc's lock finds an errorcheck mutex held by its own thread; trylock
    // only says busy. Its owner is the descriptor's tid (thread_tls.h).
    if (r == EBUSY && (m->__data.__kind & kKindMask) == kErrorCheck &&
        (static_cast<unsigned>(m->__data.__owner) & kTidMask) == static_cast<unsigned>(me))
      return EDEADLK;
    return r;
  });
}

int shared_rwlock_lock(pthread_rwlock_t* l, bool write, clockid_t clock, const timespec* abs) {
  const pid_t me = tls_own_tid();
  return retry_with_backoff(write ? Hook::pthread_rwlock_wrlock : Hook::pthread_rwlock_rdlock, clock, abs, [&] {
    int r = write ? REAL(pthread_rwlock_trywrlock)(l) : REAL(pthread_rwlock_tryrdlock)(l);
    // glibc's lock calls find their own thread writing; the try calls only say busy.
    if (r == EBUSY && l->__data.__cur_writer == me) return EDEADLK;
    return r;
  });
}

int shared_barrier_wait(pthread_barrier_t* b) {
  return green::run_in_thread([b] { return REAL(pthread_barrier_wait)(b); }, waits_pool());
}

int shared_cond_wait(pthread_cond_t* c, pthread_mutex_t* m, CondWait how, clockid_t clock, const timespec* abs) {
  // glibc's mutex kinds whose unlock checks the owner (the pool thread is not).
  constexpr int kKindMask = 3, kRecursive = 1, kErrorCheck = 2, kRobust = 16, kPriority = 32 | 64;
  const int kind = m->__data.__kind;
  if ((kind & kKindMask) == kRecursive || (kind & kKindMask) == kErrorCheck || (kind & (kRobust | kPriority)))
    return -1;
  auto finished = std::make_shared<std::atomic<bool>>(false);
  const timespec until = abs ? *abs : timespec{};
  struct GiveUp {
    pthread_cond_t* c;
    std::shared_ptr<std::atomic<bool>> finished;
    bool done = false;
    ~GiveUp() {
      // The caller was killed or canceled: wake the pool thread's wait and let
      // it take the mutex back for the caller, as glibc's cancellation does.
      while (!done && !finished->load(std::memory_order_acquire)) {
        REAL(pthread_cond_broadcast)(c);
        timespec ms{0, 1'000'000};
        green::detail::sys(SYS_nanosleep, &ms, nullptr);
      }
    }
  } give_up{c, finished};
  int r = green::run_in_thread(
      [c, m, how, clock, until, finished] {
        int got = how == CondWait::untimed ? REAL(pthread_cond_wait)(c, m)
                  : how == CondWait::timed ? REAL(pthread_cond_timedwait)(c, m, &until)
                                           : REAL(pthread_cond_clockwait)(c, m, clock, &until);
        finished->store(true, std::memory_order_release);
        return got;
      },
      waits_pool());
  give_up.done = true;
  return r;
}

}  // namespace green::interpose::threads

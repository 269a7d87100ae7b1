// threads/hooks_cond.cpp — green-threads mode: condition variables that park greenlets.
//
// The waiters live in the parking lot under the condition's address; the
// object itself only remembers its clock (pthread_condattr_setclock) in its
// first word — zero, CLOCK_REALTIME, is also what PTHREAD_COND_INITIALIZER
// gives. Process-shared conditions stay glibc's: their addresses are kept in
// a small set, since their layout is then glibc's own.
//
// Waiting queues the caller on the condition before it releases the mutex, so
// a signal sent by whoever takes the mutex next cannot be missed. A waiter
// that was signalled but canceled passes the signal on, as POSIX asks.
#include <errno.h>
#include <pthread.h>
#include <time.h>

#include "gate/park.h"
#include "gate/real.h"
#include "runtime_internal.h"
#include "threads/green_mutex.h"
#include "threads/shared_objects.h"
#include "threads/shared_wait.h"
#include "threads/threads.h"

namespace gi = green::interpose;
namespace gt = green::interpose::threads;

namespace {

gt::SharedObjects g_shared;

bool native(const pthread_cond_t* c) { return !gt::on() || g_shared.contains(c); }

int& clock_of(pthread_cond_t* c) { return *reinterpret_cast<int*>(c); }

void pass_on(const void* key, std::uintptr_t) {
  gi::lot::unpark_one(key, [](bool, const gi::lot::Waiting&, bool) -> std::uintptr_t { return 1; });
}

int wait(pthread_cond_t* c, pthread_mutex_t* m, const gi::Deadline& d) {
  if (!gt::mutex_owned(m)) return EPERM;
  gt::CancelPoint cp;
  unsigned count = 0;
  gi::lot::Result r = gi::lot::Result::unparked;
  bool canceled = false;
  {
    gt::WaitNote note("pthread_cond_wait", c);
    try {
      r = gi::lot::park(
          c, [] { return true; }, [&] { count = gt::mutex_release_all(m); }, d, {"pthread_cond_wait"}, nullptr,
          pass_on);
    } catch (const gt::Canceled&) {
      canceled = true;
    }
  }
  // Whatever ended the wait, the caller holds the mutex again on return —
  // also when canceled, before its cleanup handlers run.
  gt::mutex_reacquire(m, count);
  if (canceled) gt::act_on_cancel();
  return r == gi::lot::Result::timed_out ? ETIMEDOUT : 0;
}

// glibc_wait: a wait on a process-shared condition (glibc's). A green thread
// whose mutex is glibc's parks while a pool thread waits (shared_wait.h);
// anyone else, bad arguments and mutexes whose owner glibc checks get glibc's
// own call, `native`. A cancellation point, as glibc's. A green thread whose
// mutex glibc checks the owner of (recursive, error-checking, robust,
// priority) waits in glibc itself, in the kernel: marked as a blocking region
// (`caller_sp`: the exported hook's caller's stack pointer), so hand-off can
// move it to a spare OS thread and the others keep running.
template <class Native>
int glibc_wait(gi::Hook h, void* caller_sp, pthread_cond_t* c, pthread_mutex_t* m, gt::CondWait how, clockid_t clock,
               const timespec* abs, Native native) {
  if (!gt::on() || gt::mode() != gt::Mode::green) return native();
  auto blocking = [&] {
    green::detail::BlockingRegion region(caller_sp);
    return native();
  };
  if (!gt::native_mutex(m)) return native();
  if (abs && !(how == gt::CondWait::timed ? gi::valid_timespec(abs) : gi::valid_abstime(clock, abs))) return native();
  return gi::barrier(h, native, [&] {
    int r = gt::shared_cond_wait(c, m, how, clock, abs);
    return r < 0 ? blocking() : r;
  });
}

}  // namespace

extern "C" {

int pthread_cond_init(pthread_cond_t* c, const pthread_condattr_t* attr) {
  if (!gt::on()) return REAL(pthread_cond_init)(c, attr);
  int pshared = PTHREAD_PROCESS_PRIVATE;
  clockid_t clock = CLOCK_REALTIME;
  if (attr) {
    pthread_condattr_getpshared(attr, &pshared);
    pthread_condattr_getclock(attr, &clock);
  }
  if (pshared == PTHREAD_PROCESS_SHARED)
    return g_shared.init_native(c, [&] { return REAL(pthread_cond_init)(c, attr); });
  *c = pthread_cond_t{};
  clock_of(c) = static_cast<int>(clock);
  return 0;
}

int pthread_cond_destroy(pthread_cond_t* c) {
  if (!gt::on() || g_shared.remove(c)) return REAL(pthread_cond_destroy)(c);
  return 0;
}

int pthread_cond_wait(pthread_cond_t* c, pthread_mutex_t* m) {
  if (native(c))
    return glibc_wait(gi::Hook::pthread_cond_wait, GREEN_CALLER_SP(), c, m, gt::CondWait::untimed, CLOCK_REALTIME,
                      nullptr, [&] { return REAL(pthread_cond_wait)(c, m); });
  return wait(c, m, gi::Deadline::never());
}

int pthread_cond_clockwait(pthread_cond_t* c, pthread_mutex_t* m, clockid_t clock, const struct timespec* abs) {
  if (native(c))
    return glibc_wait(gi::Hook::pthread_cond_clockwait, GREEN_CALLER_SP(), c, m, gt::CondWait::clocked, clock, abs,
                      [&] { return REAL(pthread_cond_clockwait)(c, m, clock, abs); });
  if (!gi::valid_abstime(clock, abs)) return EINVAL;
  return wait(c, m, gi::Deadline::at(clock, *abs));
}

int pthread_cond_timedwait(pthread_cond_t* c, pthread_mutex_t* m, const struct timespec* abs) {
  if (native(c))
    return glibc_wait(gi::Hook::pthread_cond_timedwait, GREEN_CALLER_SP(), c, m, gt::CondWait::timed, CLOCK_REALTIME,
                      abs, [&] { return REAL(pthread_cond_timedwait)(c, m, abs); });
  if (!gi::valid_timespec(abs)) return EINVAL;
  return wait(c, m, gi::Deadline::at(static_cast<clockid_t>(clock_of(c)), *abs));
}

int pthread_cond_signal(pthread_cond_t* c) {
  if (native(c)) return REAL(pthread_cond_signal)(c);
  gi::lot::unpark_one(c, [](bool, const gi::lot::Waiting&, bool) -> std::uintptr_t { return 1; });
  return 0;
}

int pthread_cond_broadcast(pthread_cond_t* c) {
  if (native(c)) return REAL(pthread_cond_broadcast)(c);
  gi::lot::unpark_all(c, 1);
  return 0;
}

}  // extern "C"

// threads/hooks_rwlock.cpp — green-threads mode: read-write locks that park greenlets.
//
// State (all changed under the parking-lot bucket lock of the rwlock, in
// glibc's fields): __readers holds the read count, __cur_writer the writing
// owner's id, __writers the number of writers waiting; __flags keeps the kind
// (PTHREAD_RWLOCK_PREFER_READER_NP, glibc's default, lets a reader in while
// writers wait; PREFER_WRITER_NONRECURSIVE_NP does not). Unlocking hands the
// lock over: to the first waiter if it is a writer, else to the readers at
// the front of the queue (and, preferring readers, to every reader queued).
#include <errno.h>
#include <pthread.h>
#include <time.h>

#include "gate/real.h"
#include "threads/shared_objects.h"
#include "threads/shared_wait.h"
#include "threads/threads.h"

namespace gi = green::interpose;
namespace gt = green::interpose::threads;

namespace {

gt::SharedObjects g_shared;

constexpr std::uintptr_t kRead = 1, kWrite = 2;

bool native(const pthread_rwlock_t* l) { return !gt::on() || g_shared.contains(l); }

auto& data(pthread_rwlock_t* l) { return l->__data; }
bool prefer_writer(pthread_rwlock_t* l) { return data(l).__flags == PTHREAD_RWLOCK_PREFER_WRITER_NONRECURSIVE_NP; }

// can_take: under the lock, whether the caller may have the lock now.
bool can_take(pthread_rwlock_t* l, std::uintptr_t want) {
  auto& s = data(l);
  if (want == kWrite) return s.__cur_writer == 0 && s.__readers == 0;
  return s.__cur_writer == 0 && (s.__writers == 0 || !prefer_writer(l));
}

void take(pthread_rwlock_t* l, std::uintptr_t want, int id) {
  if (want == kWrite) data(l).__cur_writer = id;
  else ++data(l).__readers;
}

int unlock(pthread_rwlock_t* l);

void abandon(const void* key, std::uintptr_t) { unlock(static_cast<pthread_rwlock_t*>(const_cast<void*>(key))); }

int lock(pthread_rwlock_t* l, std::uintptr_t want, const gi::Deadline& d, bool try_only) {
  int id = gt::self_id();
  int r = -1;
  gi::lot::with_lock(l, [&] {
    if (data(l).__cur_writer == id) {
      r = try_only ? EBUSY : EDEADLK;
    } else if (can_take(l, want)) {
      take(l, want, id);
      r = 0;
    }
  });
  if (r >= 0) return r;
  if (try_only) return EBUSY;
  const char* reason = want == kWrite ? "pthread_rwlock_wrlock" : "pthread_rwlock_rdlock";
  gt::WaitNote note(reason, l, data(l).__cur_writer);
  for (;;) {
    bool got = false;
    auto res = gi::lot::park(
        l,
        [&] {
          if (can_take(l, want)) {
            take(l, want, id);
            got = true;
            return false;
          }
          if (want == kWrite) ++data(l).__writers;
          return true;
        },
        [] {}, d, {reason, want}, nullptr, abandon);
    if (got || res == gi::lot::Result::unparked) return 0;  // the unlocker took it for us
    if (res == gi::lot::Result::timed_out) {
      if (want == kWrite) gi::lot::with_lock(l, [&] { --data(l).__writers; });
      return ETIMEDOUT;
    }
  }
}

int unlock(pthread_rwlock_t* l) {
  int id = gt::self_id();
  int r = 0;
  gi::lot::unpark_filter(
      l,
      [&] {
        auto& s = data(l);
        if (s.__cur_writer == id) {
          s.__cur_writer = 0;
        } else if (s.__readers > 0) {
          --s.__readers;
        } else {
          r = EPERM;
        }
      },
      [&](const gi::lot::Waiting& w, std::uintptr_t& token) {
        auto& s = data(l);
        if (r != 0 || s.__cur_writer != 0) return gi::lot::Pick::stop;
        token = 1;
        if (w.data == kWrite) {
          if (s.__readers != 0) return prefer_writer(l) ? gi::lot::Pick::stop : gi::lot::Pick::skip;
          s.__cur_writer = w.id;
          --s.__writers;
          return gi::lot::Pick::take_and_stop;
        }
        ++s.__readers;
        return gi::lot::Pick::take;
      });
  return r;
}

int timed(pthread_rwlock_t* l, std::uintptr_t want, clockid_t clock, const timespec* abs) {
  int r = lock(l, want, gi::Deadline::never(), true);
  if (r != EBUSY) return r;
  if (!gi::valid_abstime(clock, abs)) return EINVAL;
  return lock(l, want, gi::Deadline::at(clock, *abs), false);
}

// glibc_lock: a process-shared lock. A green thread tries and backs off
// (shared_wait.h) instead of stopping its OS thread; anyone else, and bad
// arguments, get glibc's own call, `native`.
template <class Native>
int glibc_lock(pthread_rwlock_t* l, int want, clockid_t clock, const timespec* abs, Native native) {
  if (!gt::on() || gt::mode() != gt::Mode::green) return native();
  if (abs && !gi::valid_abstime(clock, abs)) return native();
  return gt::shared_rwlock_lock(l, want == kWrite, clock, abs);
}

}  // namespace

extern "C" {

int pthread_rwlock_init(pthread_rwlock_t* l, const pthread_rwlockattr_t* attr) {
  if (!gt::on()) return REAL(pthread_rwlock_init)(l, attr);
  int pshared = PTHREAD_PROCESS_PRIVATE, kind = PTHREAD_RWLOCK_DEFAULT_NP;
  if (attr) {
    pthread_rwlockattr_getpshared(attr, &pshared);
    pthread_rwlockattr_getkind_np(attr, &kind);
  }
  if (pshared == PTHREAD_PROCESS_SHARED)
    return g_shared.init_native(l, [&] { return REAL(pthread_rwlock_init)(l, attr); });
  *l = pthread_rwlock_t{};
  data(l).__flags = static_cast<unsigned>(kind);
  return 0;
}

int pthread_rwlock_destroy(pthread_rwlock_t* l) {
  if (!gt::on() || g_shared.remove(l)) return REAL(pthread_rwlock_destroy)(l);
  return 0;
}

// The lock calls: a native (process-shared) lock goes to libc; a green one
// takes `want` (kRead/kWrite) — waiting, trying only, or until an absolute
// time on a clock (CLOCK_REALTIME for the timed* calls).
#define GREEN_RWLOCK_WAIT(name, want, try_only)                                                                      \
  int name(pthread_rwlock_t* l) {                                                                                    \
    if (native(l))                                                                                                   \
      return try_only ? REAL(name)(l) : glibc_lock(l, want, CLOCK_REALTIME, nullptr, [&] { return REAL(name)(l); }); \
    return lock(l, want, gi::Deadline::never(), try_only);                                                           \
  }
#define GREEN_RWLOCK_CLOCK(name, want)                                                                \
  int name(pthread_rwlock_t* l, clockid_t clock, const struct timespec* abs) {                        \
    if (native(l)) return glibc_lock(l, want, clock, abs, [&] { return REAL(name)(l, clock, abs); }); \
    return timed(l, want, clock, abs);                                                                \
  }
#define GREEN_RWLOCK_TIMED(name, want)                                                                  \
  int name(pthread_rwlock_t* l, const struct timespec* abs) {                                           \
    if (native(l)) return glibc_lock(l, want, CLOCK_REALTIME, abs, [&] { return REAL(name)(l, abs); }); \
    return timed(l, want, CLOCK_REALTIME, abs);                                                         \
  }
GREEN_RWLOCK_WAIT(pthread_rwlock_rdlock, kRead, false)
GREEN_RWLOCK_WAIT(pthread_rwlock_tryrdlock, kRead, true)
GREEN_RWLOCK_CLOCK(pthread_rwlock_clockrdlock, kRead)
GREEN_RWLOCK_TIMED(pthread_rwlock_timedrdlock, kRead)
GREEN_RWLOCK_WAIT(pthread_rwlock_wrlock, kWrite, false)
GREEN_RWLOCK_WAIT(pthread_rwlock_trywrlock, kWrite, true)
GREEN_RWLOCK_CLOCK(pthread_rwlock_clockwrlock, kWrite)
GREEN_RWLOCK_TIMED(pthread_rwlock_timedwrlock, kWrite)
#undef GREEN_RWLOCK_WAIT
#undef GREEN_RWLOCK_CLOCK
#undef GREEN_RWLOCK_TIMED

int pthread_rwlock_unlock(pthread_rwlock_t* l) {
  if (native(l)) return REAL(pthread_rwlock_unlock)(l);
  return unlock(l);
}

}  // extern "C"

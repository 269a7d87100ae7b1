// threads/hooks_barrier.cpp — green-threads mode: barriers and spin locks.
//
// A barrier's state (its count, how many arrived, the generation) lives in
// its own bytes and changes under its parking-lot bucket lock; the last
// arriver releases the generation's waiters and gets
// PTHREAD_BARRIER_SERIAL_THREAD, as natively. A spin lock held by another
// green thread of the same OS thread would spin forever: a green thread that
// finds it taken yields instead, so the holder can run and release it.
#include <errno.h>
#include <pthread.h>

#include <atomic>

#include "gate/real.h"
#include "gate/spinlock.h"
#include "green/sleep.h"
#include "threads/shared_objects.h"
#include "threads/shared_wait.h"
#include "threads/threads.h"

namespace gi = green::interpose;
namespace gt = green::interpose::threads;

namespace {

gt::SharedObjects g_shared;

struct Barrier {
  unsigned count;
  unsigned arrived;
  unsigned generation;
};
static_assert(sizeof(Barrier) <= sizeof(pthread_barrier_t));
Barrier* state(pthread_barrier_t* b) { return reinterpret_cast<Barrier*>(b); }

bool native(const pthread_barrier_t* b) { return !gt::on() || g_shared.contains(b); }

// The spin lock word (glibc's type is volatile int; atomics need the plain int).
std::atomic_ref<int> spin_word(pthread_spinlock_t* l) { return std::atomic_ref<int>(*const_cast<int*>(l)); }

}  // namespace

extern "C" {

int pthread_barrier_init(pthread_barrier_t* b, const pthread_barrierattr_t* attr, unsigned count) {
  if (!gt::on()) return REAL(pthread_barrier_init)(b, attr, count);
  int pshared = PTHREAD_PROCESS_PRIVATE;
  if (attr) pthread_barrierattr_getpshared(attr, &pshared);
  if (pshared == PTHREAD_PROCESS_SHARED)
    return g_shared.init_native(b, [&] { return REAL(pthread_barrier_init)(b, attr, count); });
  if (count == 0) return EINVAL;
  *b = pthread_barrier_t{};
  *state(b) = {count, 0, 0};
  return 0;
}

int pthread_barrier_destroy(pthread_barrier_t* b) {
  if (!gt::on() || g_shared.remove(b)) return REAL(pthread_barrier_destroy)(b);
  int r = 0;
  gi::lot::with_lock(b, [&] { r = state(b)->arrived != 0 ? EBUSY : 0; });
  return r;
}

int pthread_barrier_wait(pthread_barrier_t* b) {
  if (native(b)) {
    // Process-shared: a green thread parks while a pool thread waits (shared_wait.h).
    if (!gt::on() || gt::mode() != gt::Mode::green) return REAL(pthread_barrier_wait)(b);
    return gt::shared_barrier_wait(b);
  }
  Barrier* s = state(b);
  bool last = false;
  gi::lot::Want want{"pthread_barrier_wait"};
  gt::WaitNote note("pthread_barrier_wait", b);
  gi::lot::park(
      b,
      [&] {
        want.data = s->generation;
        if (++s->arrived < s->count) return true;
        s->arrived = 0;
        ++s->generation;
        last = true;
        return false;
      },
      [] {}, gi::Deadline::never(), want, nullptr, nullptr);
  if (!last) return 0;
  // Only this generation's waiters: a thread of another OS thread may
  // already wait for the next one.
  gi::lot::unpark_filter(
      b, [] {},
      [&](const gi::lot::Waiting& w, std::uintptr_t& token) {
        token = 1;
        return w.data == want.data ? gi::lot::Pick::take : gi::lot::Pick::skip;
      });
  return PTHREAD_BARRIER_SERIAL_THREAD;
}

// Spin locks: glibc's x86 encoding counts down from 1; green's is 0 free,
// 1 taken — so in green-threads mode all four calls are green's, for every
// caller (an OS thread spins, a greenlet yields).
int pthread_spin_init(pthread_spinlock_t* l, int pshared) {
  if (!gt::on()) return REAL(pthread_spin_init)(l, pshared);
  spin_word(l).store(0, std::memory_order_release);
  return 0;
}

int pthread_spin_lock(pthread_spinlock_t* l) {
  if (!gt::on()) return REAL(pthread_spin_lock)(l);
  auto w = spin_word(l);
  bool green = gt::mode() == gt::Mode::green;
  for (;;) {
    int expected = 0;
    if (w.compare_exchange_weak(expected, 1, std::memory_order_acquire)) return 0;
    if (green) green::yield();
    else gi::cpu_relax();
  }
}

int pthread_spin_trylock(pthread_spinlock_t* l) {
  if (!gt::on()) return REAL(pthread_spin_trylock)(l);
  int expected = 0;
  return spin_word(l).compare_exchange_strong(expected, 1, std::memory_order_acquire) ? 0 : EBUSY;
}

int pthread_spin_unlock(pthread_spinlock_t* l) {
  if (!gt::on()) return REAL(pthread_spin_unlock)(l);
  spin_word(l).store(0, std::memory_order_release);
  return 0;
}

}  // extern "C"

// threads/shared_wait.h — green-threads mode: waits on process-shared objects
// that do not stop the other green threads.
//
// A process-shared (or robust, or priority) object stays glibc's: another
// process, which knows nothing of green, locks and posts it with glibc's own
// code and wakes its waiters with a futex wake. The kernel offers no fd for a
// futex, so the hub cannot watch one; these helpers wait another way:
//   - semaphores, barriers and condition variables: glibc's wait runs on a
//     thread of green's own pool for these waits (one OS thread per waiter,
//     as with pthreads: they never wait for each other, or for DNS lookups
//     on the shared pool) while the green thread parks; a post, the last
//     arrival or a signal wakes it at once;
//   - mutexes and rwlocks: the lock must be taken by the caller's own OS
//     thread (glibc records the owner's tid, the kernel does for robust and
//     PI mutexes), so the green thread tries to lock and, while it is busy,
//     sleeps a back-off (50 us doubling to 5 ms) between tries.
// Both are cancellation points as glibc's waits are (pthread_cancel ends the
// wait); kill and Timeout aimed at the caller end it too.
#pragma once

#include <pthread.h>
#include <semaphore.h>
#include <time.h>

namespace green::interpose::threads {

// shared_sem_wait: sem_clockwait on process-shared `s` until `abs` on `clock`
// (null: no deadline), parking the green thread: 0, or -1 with errno
// ETIMEDOUT. A signal does not interrupt it (the pool thread gets none), where
// glibc's would fail with EINTR. A unit the pool thread took for a caller that
// stopped waiting meanwhile is posted back.
int shared_sem_wait(sem_t* s, clockid_t clock, const timespec* abs);

// shared_mutex_lock: lock glibc's mutex `m` (which pthread_mutex_trylock said
// is busy) by trying again between back-off sleeps, until `abs` on `clock`
// (null: no deadline). glibc's return values (0, EOWNERDEAD, ETIMEDOUT,
// EDEADLK for an errorcheck mutex this OS thread holds...).
int shared_mutex_lock(pthread_mutex_t* m, clockid_t clock, const timespec* abs);

// shared_rwlock_lock: take glibc's rwlock `l` for writing or reading, as
// shared_mutex_lock. glibc's values (0, EDEADLK when this OS thread holds it
// for writing, EAGAIN for too many readers, ETIMEDOUT).
int shared_rwlock_lock(pthread_rwlock_t* l, bool write, clockid_t clock, const timespec* abs);

// shared_barrier_wait: glibc's pthread_barrier_wait on `b`, made by a pool
// thread while the green thread parks; its value (PTHREAD_BARRIER_SERIAL_THREAD
// for one of the arrivals). Kill or cancel of the caller ends its wait, not
// its arrival: the pool thread waits on for the barrier to trip.
int shared_barrier_wait(pthread_barrier_t* b);

// CondWait: which of glibc's waits: untimed, timedwait (the condition's own
// clock), or clockwait (`clock`).
enum class CondWait { untimed, timed, clocked };

// shared_cond_wait: glibc's wait on process-shared `c` with glibc's mutex `m`,
// made by a pool thread while the green thread parks: the pool thread's wait
// releases `m` as it starts waiting (no signal is lost) and takes it again
// before the caller goes on. Only for a mutex whose unlock does not check its
// owner (normal or adaptive, not robust or priority): -1 for any other, which
// the caller waits on with glibc's own call. Kill or cancel of the caller
// wakes the condition's waiters (a spurious wakeup for the others, which
// POSIX allows) and waits until the mutex is the caller's again, as glibc's
// cancellation does. glibc's values otherwise (0, ETIMEDOUT).
int shared_cond_wait(pthread_cond_t* c, pthread_mutex_t* m, CondWait how, clockid_t clock, const timespec* abs);

}  // namespace green::interpose::threads

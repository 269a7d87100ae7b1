// threads/shared_wait.h — green-threads mode: waits on process-shared objects
// that do not stop the other green threads.
//
// A process-shared (or robust, or priority) object stays glibc's: another
// process, which knows nothing of green, locks and posts it with glibc's own
// code and wakes its waiters with a futex wake. The kernel offers no fd for a
// futex, so the hub cannot watch one; these helpers wait another way:
//   - semaphores: glibc's sem_clockwait runs on a pool thread while the green
//     thread parks (a post wakes it at once);
//   - mutexes: the lock must be taken by the caller's own OS thread (glibc
//     records the owner's tid, the kernel does for robust and PI mutexes), so
//     the green thread tries to lock and, while the mutex is busy, sleeps a
//     back-off (50 us doubling to 5 ms) between tries.
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

}  // namespace green::interpose::threads

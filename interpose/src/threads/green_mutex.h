// threads/green_mutex.h — green-threads mode: the mutex operations the mutex and
// condition hooks share.
#pragma once

#include <pthread.h>

#include "gate/park.h"

namespace green::interpose::threads {

// native_mutex: glibc must handle `m` (process-shared, robust or priority
// mutexes: another process or the kernel takes part), or the mode is off.
bool native_mutex(const pthread_mutex_t* m) noexcept;

// mutex_lock: lock `m` for the caller, parking until `d`. 0, ETIMEDOUT,
// EDEADLK (errorcheck, already ours), EAGAIN (recursion count overflow).
int mutex_lock(pthread_mutex_t* m, const Deadline& d);

// mutex_unlock: 0, or EPERM (errorcheck/recursive, not ours).
int mutex_unlock(pthread_mutex_t* m);

// mutex_release_all / mutex_reacquire: cond_wait gives up a recursive mutex
// entirely and takes it back with the same count.
unsigned mutex_release_all(pthread_mutex_t* m);
int mutex_reacquire(pthread_mutex_t* m, unsigned count);

// mutex_owned: whether the caller holds `m` (only known for the errorcheck
// and recursive kinds; true for the others).
bool mutex_owned(const pthread_mutex_t* m) noexcept;

}  // namespace green::interpose::threads

/* owner_ids.c — glibc records the owner of its owner-checked locks by the
 * thread id in the thread's descriptor: process-shared recursive and
 * error-checking mutexes and rwlocks here (and, inside glibc, the dynamic
 * loader's lock and the locale lock). Each thread must be an owner of its
 * own: a second thread's trylock is EBUSY, its lock waits until the first
 * lets go — never a relock (recursive), EDEADLK (error-checking, rwlock) or
 * a lock taken twice. Green threads that shared their OS thread's id got
 * all three wrong. */
#include <errno.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "os_threads.h"

static pthread_mutex_t recursive, errorcheck;
static pthread_rwlock_t rwlock;
static atomic_int held, released;

static void* holder(void* arg) {
  (void)arg;
  pthread_mutex_lock(&recursive);
  pthread_mutex_lock(&errorcheck);
  pthread_rwlock_wrlock(&rwlock);
  atomic_store(&held, 1);
  usleep(100000);
  atomic_store(&released, 1);
  pthread_rwlock_unlock(&rwlock);
  pthread_mutex_unlock(&errorcheck);
  pthread_mutex_unlock(&recursive);
  return NULL;
}

static const char* name(int rc) { return rc == 0 ? "0" : strerror(rc); }

static void* other(void* arg) {
  (void)arg;
  while (!atomic_load(&held)) usleep(1000);
  note_os_threads("owner_ids.other");
  printf("recursive trylock: %s\n", name(pthread_mutex_trylock(&recursive)));
  printf("errorcheck trylock: %s\n", name(pthread_mutex_trylock(&errorcheck)));
  printf("rwlock trywrlock: %s\n", name(pthread_rwlock_trywrlock(&rwlock)));
  int rc = pthread_mutex_lock(&recursive);
  printf("recursive lock: %s, after the holder let go: %s\n", name(rc), atomic_load(&released) ? "yes" : "no");
  if (rc == 0) pthread_mutex_unlock(&recursive);
  rc = pthread_mutex_lock(&errorcheck);
  printf("errorcheck lock: %s, after the holder let go: %s\n", name(rc), atomic_load(&released) ? "yes" : "no");
  if (rc == 0) pthread_mutex_unlock(&errorcheck);
  rc = pthread_rwlock_wrlock(&rwlock);
  printf("rwlock wrlock: %s, after the holder let go: %s\n", name(rc), atomic_load(&released) ? "yes" : "no");
  if (rc == 0) pthread_rwlock_unlock(&rwlock);
  return NULL;
}

int main(void) {
  pthread_mutexattr_t ma;
  pthread_mutexattr_init(&ma);
  pthread_mutexattr_setpshared(&ma, PTHREAD_PROCESS_SHARED);
  pthread_mutexattr_settype(&ma, PTHREAD_MUTEX_RECURSIVE);
  pthread_mutex_init(&recursive, &ma);
  pthread_mutexattr_settype(&ma, PTHREAD_MUTEX_ERRORCHECK);
  pthread_mutex_init(&errorcheck, &ma);
  pthread_rwlockattr_t ra;
  pthread_rwlockattr_init(&ra);
  pthread_rwlockattr_setpshared(&ra, PTHREAD_PROCESS_SHARED);
  pthread_rwlock_init(&rwlock, &ra);
  pthread_t a, b;
  if (pthread_create(&a, NULL, holder, NULL) != 0 || pthread_create(&b, NULL, other, NULL) != 0) return 1;
  pthread_join(a, NULL);
  pthread_join(b, NULL);
  return 0;
}

/* locks.c — error and timeout behaviour of the lock kinds: errorcheck and
 * recursive mutexes, timed locks that expire, rwlock readers and writers,
 * semaphores (trywait, timedwait, post to a waiter), invalid timeouts. */
#define _GNU_SOURCE
#include <errno.h>
#include <pthread.h>
#include <semaphore.h>
#include <stdio.h>
#include <time.h>
#include <unistd.h>

#include "os_threads.h"

static const char* err(int e) {
  switch (e) {
    case 0: return "0";
    case EBUSY: return "EBUSY";
    case EDEADLK: return "EDEADLK";
    case EPERM: return "EPERM";
    case ETIMEDOUT: return "ETIMEDOUT";
    case EINVAL: return "EINVAL";
    case EAGAIN: return "EAGAIN";
    default: return "other";
  }
}

static struct timespec in_ms(clockid_t clock, long ms) {
  struct timespec ts;
  clock_gettime(clock, &ts);
  ts.tv_nsec += (ms % 1000) * 1000000L;
  ts.tv_sec += ms / 1000 + ts.tv_nsec / 1000000000L;
  ts.tv_nsec %= 1000000000L;
  return ts;
}

static pthread_mutex_t held = PTHREAD_MUTEX_INITIALIZER;
static pthread_rwlock_t rw = PTHREAD_RWLOCK_INITIALIZER;
static sem_t sem;
static int readers_inside, max_readers_inside, writer_saw_readers;

static void* try_held(void* arg) {
  (void)arg;
  struct timespec ts = in_ms(CLOCK_REALTIME, 50);
  printf("timedlock on a held mutex: %s\n", err(pthread_mutex_timedlock(&held, &ts)));
  ts = in_ms(CLOCK_MONOTONIC, 50);
  printf("clocklock on a held mutex: %s\n", err(pthread_mutex_clocklock(&held, CLOCK_MONOTONIC, &ts)));
  printf("trylock on a held mutex: %s\n", err(pthread_mutex_trylock(&held)));
  return NULL;
}

static void* reader(void* arg) {
  (void)arg;
  pthread_rwlock_rdlock(&rw);
  int n = __atomic_add_fetch(&readers_inside, 1, __ATOMIC_SEQ_CST);
  if (n > max_readers_inside) max_readers_inside = n;
  note_os_threads("locks.reader");
  usleep(30000);
  __atomic_sub_fetch(&readers_inside, 1, __ATOMIC_SEQ_CST);
  pthread_rwlock_unlock(&rw);
  return NULL;
}

static void* writer(void* arg) {
  (void)arg;
  usleep(5000);
  pthread_rwlock_wrlock(&rw);
  if (readers_inside) writer_saw_readers = 1;
  pthread_rwlock_unlock(&rw);
  return NULL;
}

static void* poster(void* arg) {
  (void)arg;
  usleep(30000);
  sem_post(&sem);
  return NULL;
}

int main(void) {
  pthread_mutexattr_t a;
  pthread_mutex_t ec, rec;
  pthread_mutexattr_init(&a);
  pthread_mutexattr_settype(&a, PTHREAD_MUTEX_ERRORCHECK);
  pthread_mutex_init(&ec, &a);
  pthread_mutexattr_settype(&a, PTHREAD_MUTEX_RECURSIVE);
  pthread_mutex_init(&rec, &a);
  pthread_mutexattr_destroy(&a);

  printf("errorcheck lock: %s\n", err(pthread_mutex_lock(&ec)));
  printf("errorcheck relock: %s\n", err(pthread_mutex_lock(&ec)));
  printf("errorcheck unlock: %s\n", err(pthread_mutex_unlock(&ec)));
  printf("errorcheck unlock again: %s\n", err(pthread_mutex_unlock(&ec)));
  for (int i = 0; i < 3; ++i)
    printf("recursive lock %d: %s\n", i, err(i < 2 ? pthread_mutex_lock(&rec) : pthread_mutex_trylock(&rec)));
  for (int i = 0; i < 4; ++i) printf("recursive unlock %d: %s\n", i, err(pthread_mutex_unlock(&rec)));

  pthread_mutex_lock(&held);
  pthread_t t;
  pthread_create(&t, NULL, try_held, NULL);
  pthread_join(t, NULL);
  struct timespec bad = {0, 2000000000L};
  printf("timedlock with a bad timespec: %s\n", err(pthread_mutex_timedlock(&held, &bad)));
  pthread_mutex_unlock(&held);
  printf("timedlock free mutex, bad timespec: %s\n", err(pthread_mutex_timedlock(&held, &bad)));
  pthread_mutex_unlock(&held);

  pthread_t r[4], w;
  for (int i = 0; i < 4; ++i) pthread_create(&r[i], NULL, reader, NULL);
  pthread_create(&w, NULL, writer, NULL);
  for (int i = 0; i < 4; ++i) pthread_join(r[i], NULL);
  pthread_join(w, NULL);
  printf("readers shared the lock: %s\n", max_readers_inside > 1 ? "yes" : "no");
  printf("writer alone: %s\n", writer_saw_readers ? "no" : "yes");
  pthread_rwlock_wrlock(&rw);
  printf("tryrdlock under a writer: %s\n", err(pthread_rwlock_tryrdlock(&rw)));
  printf("wrlock again by the writer: %s\n", err(pthread_rwlock_wrlock(&rw)));
  pthread_rwlock_unlock(&rw);
  printf("rwlock unlock when free: %s\n", err(pthread_rwlock_unlock(&rw)) ? "error" : "0");

  sem_init(&sem, 0, 1);
  int rc = sem_trywait(&sem);
  printf("sem_trywait: %d\n", rc);
  rc = sem_trywait(&sem);
  printf("sem_trywait empty: %d %s\n", rc, err(errno));
  struct timespec ts = in_ms(CLOCK_REALTIME, 50);
  rc = sem_timedwait(&sem, &ts);
  printf("sem_timedwait empty: %d %s\n", rc, err(errno));
  rc = sem_timedwait(&sem, &bad);
  printf("sem_timedwait bad timespec: %d %s\n", rc, err(errno));
  pthread_t p;
  pthread_create(&p, NULL, poster, NULL);
  ts = in_ms(CLOCK_MONOTONIC, 5000);
  printf("sem_clockwait woken by a post: %d\n", sem_clockwait(&sem, CLOCK_MONOTONIC, &ts));
  pthread_join(p, NULL);
  int v = -1;
  sem_post(&sem);
  sem_post(&sem);
  sem_getvalue(&sem, &v);
  printf("sem value after two posts: %d\n", v);
  return 0;
}

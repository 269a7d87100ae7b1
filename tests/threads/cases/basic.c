/* basic.c — pthread_create/join/exit/detach/self/equal/names, a mutex-guarded
 * counter with yields in the critical section, and a detached thread that
 * reports through a semaphore. Same output natively and as green threads. */
#define _GNU_SOURCE
#include <errno.h>
#include <pthread.h>
#include <sched.h>
#include <semaphore.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "os_threads.h"

enum { kThreads = 8, kRounds = 500 };

static pthread_mutex_t lock = PTHREAD_MUTEX_INITIALIZER;
static long counter;
static sem_t detached_done;
static pthread_t seen_self[kThreads];
static pthread_cond_t go_cond = PTHREAD_COND_INITIALIZER;
static int go;

static void* worker(void* arg) {
  intptr_t i = (intptr_t)arg;
  seen_self[i] = pthread_self();
  /* Alive until main has named thread 0. */
  pthread_mutex_lock(&lock);
  while (!go) pthread_cond_wait(&go_cond, &lock);
  pthread_mutex_unlock(&lock);
  for (int r = 0; r < kRounds; ++r) {
    pthread_mutex_lock(&lock);
    long v = counter;
    if (r % 50 == 0) sched_yield(); /* lets others find the mutex taken */
    counter = v + 1;
    pthread_mutex_unlock(&lock);
  }
  if (i == 3) note_os_threads("basic.workers");
  if (i % 2) pthread_exit((void*)(i * 10));
  return (void*)(i * 10);
}

static void* detached(void* arg) {
  (void)arg;
  usleep(20000);
  sem_post(&detached_done);
  return NULL;
}

int main(void) {
  pthread_t t[kThreads];
  for (intptr_t i = 0; i < kThreads; ++i)
    if (pthread_create(&t[i], NULL, worker, (void*)i) != 0) return 1;
  char name[16];
  printf("setname: %d\n", pthread_setname_np(t[0], "worker-zero"));
  printf("setname too long: %s\n", pthread_setname_np(t[0], "a-name-that-is-too-long") == ERANGE ? "ERANGE" : "?");
  pthread_getname_np(t[0], name, sizeof name);
  printf("getname: %s\n", name);
  printf("getname small buffer: %s\n", pthread_getname_np(t[0], name, 4) == ERANGE ? "ERANGE" : "?");
  pthread_mutex_lock(&lock);
  go = 1;
  pthread_cond_broadcast(&go_cond);
  pthread_mutex_unlock(&lock);
  long sum = 0;
  for (int i = 0; i < kThreads; ++i) {
    void* ret = NULL;
    pthread_join(t[i], &ret);
    sum += (long)(intptr_t)ret;
  }
  int same = 1;
  for (int i = 0; i < kThreads; ++i) same &= pthread_equal(seen_self[i], t[i]) != 0;
  printf("counter: %ld (expected %d)\n", counter, kThreads * kRounds);
  printf("return values: %ld\n", sum);
  printf("pthread_self matches pthread_create: %s\n", same ? "yes" : "no");
  printf("self differs from a worker: %s\n", pthread_equal(pthread_self(), t[0]) ? "no" : "yes");
  printf("join self: %s\n", pthread_join(pthread_self(), NULL) == EDEADLK ? "EDEADLK" : "?");

  sem_init(&detached_done, 0, 0);
  pthread_attr_t attr;
  pthread_attr_init(&attr);
  pthread_attr_setdetachstate(&attr, PTHREAD_CREATE_DETACHED);
  pthread_t d;
  pthread_create(&d, &attr, detached, NULL);
  pthread_attr_destroy(&attr);
  sem_wait(&detached_done);
  printf("detached thread ran\n");

  pthread_t j;
  pthread_create(&j, NULL, detached, NULL);
  printf("detach joinable: %d\n", pthread_detach(j));
  printf("detach again: %s\n", pthread_detach(j) == EINVAL ? "EINVAL" : "?");
  sem_wait(&detached_done);
  printf("done\n");
  return 0;
}

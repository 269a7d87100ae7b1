/* tsd.c — thread-specific data: per-thread values, destructors at thread
 * exit (also after pthread_exit), a destructor that sets a value again, and
 * a deleted key whose values are gone. */
#include <pthread.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>

#include "os_threads.h"

enum { kThreads = 6 };

static pthread_key_t key, again_key;
static pthread_mutex_t lock = PTHREAD_MUTEX_INITIALIZER;
static long destroyed_sum;
static int again_runs;

static void destroy(void* v) {
  pthread_mutex_lock(&lock);
  destroyed_sum += *(long*)v;
  pthread_mutex_unlock(&lock);
  free(v);
}

static void destroy_again(void* v) {
  /* Sets a value again once: a second destructor round must run it. */
  pthread_mutex_lock(&lock);
  ++again_runs;
  pthread_mutex_unlock(&lock);
  if ((intptr_t)v == 1) pthread_setspecific(again_key, (void*)2);
}

static void* worker(void* arg) {
  long* v = malloc(sizeof *v);
  *v = (long)(intptr_t)arg + 1;
  if (pthread_getspecific(key) != NULL) printf("fresh thread saw a value\n");
  pthread_setspecific(key, v);
  pthread_setspecific(again_key, (void*)1);
  sched_yield();
  if (*(long*)pthread_getspecific(key) != (long)(intptr_t)arg + 1) printf("value changed under a yield\n");
  if ((intptr_t)arg == 2) note_os_threads("tsd.worker");
  if ((intptr_t)arg % 2) pthread_exit(NULL);
  return NULL;
}

int main(void) {
  pthread_key_create(&key, destroy);
  pthread_key_create(&again_key, destroy_again);
  pthread_t t[kThreads];
  for (intptr_t i = 0; i < kThreads; ++i) pthread_create(&t[i], NULL, worker, (void*)i);
  for (int i = 0; i < kThreads; ++i) pthread_join(t[i], NULL);
  printf("destructor sum: %ld (expected %d)\n", destroyed_sum, kThreads * (kThreads + 1) / 2);
  printf("re-set destructor runs: %d (expected %d)\n", again_runs, 2 * kThreads);
  pthread_setspecific(key, (void*)0);
  pthread_key_t k2;
  pthread_key_delete(key);
  pthread_key_create(&k2, NULL);
  printf("new key starts empty: %s\n", pthread_getspecific(k2) == NULL ? "yes" : "no");
  return 0;
}

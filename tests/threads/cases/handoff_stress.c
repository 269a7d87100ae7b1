/* handoff_stress.c — green threads that compute for a few milliseconds at a
 * time (longer than the hand-off delay, so they keep going to spare OS threads
 * and coming back) between mutex- and condvar-protected updates of shared
 * state. Every update must be counted once and every wait must end: the
 * moves between OS threads must lose no wake-up and tear no lock. */
#define _GNU_SOURCE
#include <pthread.h>
#include <stdio.h>
#include <time.h>

#include "mono_clock.h"
#include "os_threads.h"

enum { kThreads = 16, kRounds = 40 };

static pthread_mutex_t lock = PTHREAD_MUTEX_INITIALIZER;
static pthread_cond_t changed = PTHREAD_COND_INITIALIZER;
static long total;
static long per_thread[kThreads];
static int turn; /* a token passed round the threads: each waits for its turn every 8th round */

static void compute(double seconds) {
  const double start = mono_now();
  volatile unsigned long x = 1;
  while (mono_now() - start < seconds)
    for (int i = 0; i < 200; ++i) x = x * 6364136223846793005ul + 1442695040888963407ul;
}

static void* worker(void* arg) {
  long id = (long)arg;
  for (int r = 0; r < kRounds; ++r) {
    compute(0.001 + 0.0005 * (double)((id + r) % 4));
    pthread_mutex_lock(&lock);
    if (r % 8 == 0) {
      while (turn != id) pthread_cond_wait(&changed, &lock);
      turn = (turn + 1) % kThreads;
    }
    ++total;
    ++per_thread[id];
    pthread_cond_broadcast(&changed);
    pthread_mutex_unlock(&lock);
  }
  if (id == 0) note_os_threads("handoff_stress.worker0");
  return NULL;
}

int main(void) {
  pthread_t t[kThreads];
  for (long i = 0; i < kThreads; ++i)
    if (pthread_create(&t[i], NULL, worker, (void*)i) != 0) return 1;
  pthread_mutex_lock(&lock);
  while (total < (long)kThreads * kRounds) pthread_cond_wait(&changed, &lock);
  pthread_mutex_unlock(&lock);
  for (int i = 0; i < kThreads; ++i) pthread_join(t[i], NULL);
  int each = 1;
  for (int i = 0; i < kThreads; ++i) each &= per_thread[i] == kRounds;
  printf("total %ld, every thread %d rounds: %s\n", total, kRounds, each ? "yes" : "no");
  return 0;
}

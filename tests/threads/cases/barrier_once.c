/* barrier_once.c — a barrier over several rounds (one serial thread per
 * round), pthread_once whose init routine blocks while others wait for it,
 * and spin locks. */
#include <pthread.h>
#include <stdint.h>
#include <stdio.h>
#include <unistd.h>

#include "os_threads.h"

enum { kThreads = 5, kRounds = 4 };

static pthread_barrier_t barrier;
static pthread_once_t once = PTHREAD_ONCE_INIT;
static pthread_spinlock_t spin;
static int init_runs, serials, arrivals[kRounds], spin_count;

static void init_routine(void) {
  usleep(50000); /* the others must wait for it, not run it again */
  ++init_runs;
}

static void* worker(void* arg) {
  (void)arg;
  pthread_once(&once, init_routine);
  for (int r = 0; r < kRounds; ++r) {
    pthread_spin_lock(&spin);
    ++arrivals[r];
    ++spin_count;
    pthread_spin_unlock(&spin);
    if (r == 1) note_os_threads("barrier.round");
    if (pthread_barrier_wait(&barrier) == PTHREAD_BARRIER_SERIAL_THREAD) {
      pthread_spin_lock(&spin);
      ++serials;
      pthread_spin_unlock(&spin);
    }
    /* Everyone arrived before anyone passed. */
    if (arrivals[r] != kThreads) printf("round %d passed early\n", r);
  }
  return NULL;
}

int main(void) {
  pthread_barrier_init(&barrier, NULL, kThreads);
  pthread_spin_init(&spin, PTHREAD_PROCESS_PRIVATE);
  pthread_t t[kThreads];
  for (int i = 0; i < kThreads; ++i) pthread_create(&t[i], NULL, worker, NULL);
  for (int i = 0; i < kThreads; ++i) pthread_join(t[i], NULL);
  printf("init routine ran %d time(s)\n", init_runs);
  printf("serial threads: %d over %d rounds\n", serials, kRounds);
  printf("spin-locked increments: %d\n", spin_count);
  printf("destroy: %d\n", pthread_barrier_destroy(&barrier));
  pthread_barrier_t bad;
  printf("barrier of 0: %d\n", pthread_barrier_init(&bad, NULL, 0));
  return 0;
}

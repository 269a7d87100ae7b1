/* pthread_sync.c — what green-threads mode costs and saves on pthread
 * synchronisation: an uncontended mutex lock+unlock, and a condition-variable
 * ping-pong between two threads (one round trip = two waits, two signals).
 * Plain C, not linked to green: run it natively, under the preload, and under
 * green-run --threads, and compare (bench/bench.py's "pthread sync" rows).
 *
 *   pthread_sync [iterations]     prints "lock_unlock_ns N" and "condvar_round_trip_ns N" */
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <time.h>

static pthread_mutex_t m = PTHREAD_MUTEX_INITIALIZER;
static pthread_cond_t c = PTHREAD_COND_INITIALIZER;
static int turn;
static long rounds;

static double now(void) {
  struct timespec t;
  clock_gettime(CLOCK_MONOTONIC, &t);
  return t.tv_sec + t.tv_nsec / 1e9;
}

static void* pong(void* arg) {
  for (long i = 0; i < rounds; ++i) {
    pthread_mutex_lock(&m);
    while (turn != 1) pthread_cond_wait(&c, &m);
    turn = 0;
    pthread_cond_signal(&c);
    pthread_mutex_unlock(&m);
  }
  return arg;
}

int main(int argc, char** argv) {
  long n = argc > 1 ? atol(argv[1]) : 10000000;
  if (n < 1) n = 1;
  double t = now();
  for (long i = 0; i < n; ++i) {
    pthread_mutex_lock(&m);
    pthread_mutex_unlock(&m);
  }
  printf("lock_unlock_ns %.1f\n", (now() - t) / n * 1e9);

  rounds = n / 50 > 0 ? n / 50 : 1;
  pthread_t p;
  pthread_create(&p, NULL, pong, NULL);
  t = now();
  for (long i = 0; i < rounds; ++i) {
    pthread_mutex_lock(&m);
    turn = 1;
    pthread_cond_signal(&c);
    while (turn != 0) pthread_cond_wait(&c, &m);
    pthread_mutex_unlock(&m);
  }
  pthread_join(p, NULL);
  printf("condvar_round_trip_ns %.0f\n", (now() - t) / rounds * 1e9);
  return 0;
}

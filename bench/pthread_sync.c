/* pthread_sync.c — what green-threads mode costs and saves on pthread
 * synchronisation: an uncontended mutex lock+unlock, and a condition-variable
 * ping-pong between two threads (one round trip = two waits, two signals).
 * Plain C, not linked to green: run it natively, under the preload, and under
 * green-run --threads, and compare (bench/bench.py's "pthread sync" rows).
 *
 *   pthread_sync [iterations]     prints "lock_unlock_ns N", "condvar_round_trip_ns N",
 *                                 "create_join_ns N" (a thread that touches a __thread
 *                                 variable, created and joined) and "rss_per_thread_bytes N"
 *                                 (resident memory per live thread: 1,000 of them waiting,
 *                                 64 KiB stacks)
 *
 * Under green-run --threads the round trip switches between two green threads'
 * descriptors each time (GREEN_THREAD_TLS=0: without the swap). */
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <time.h>
#include <unistd.h>

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

static __thread long touched;
static pthread_barrier_t all_live;

static void* touch(void* arg) {
  touched += (long)arg;
  return NULL;
}

static void* live(void* arg) {
  touched = 1;
  pthread_barrier_wait(&all_live); /* all alive */
  pthread_barrier_wait(&all_live); /* measured */
  return arg;
}

static long rss_bytes(void) {
  long pages = 0, resident = 0;
  FILE* f = fopen("/proc/self/statm", "r");
  if (!f) return 0;
  if (fscanf(f, "%ld %ld", &pages, &resident) != 2) resident = 0;
  fclose(f);
  return resident * sysconf(_SC_PAGESIZE);
}

static void memory_per_thread(void) {
  enum { kLive = 1000 };
  static pthread_t t[kLive];
  pthread_attr_t a;
  pthread_attr_init(&a);
  pthread_attr_setstacksize(&a, 64 * 1024);
  pthread_barrier_init(&all_live, NULL, kLive + 1);
  long before = rss_bytes();
  for (int i = 0; i < kLive; ++i) pthread_create(&t[i], &a, live, NULL);
  pthread_barrier_wait(&all_live);
  long after = rss_bytes();
  pthread_barrier_wait(&all_live);
  for (int i = 0; i < kLive; ++i) pthread_join(t[i], NULL);
  printf("rss_per_thread_bytes %ld\n", (after - before) / kLive);
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

  long creates = n / 1000 > 0 ? n / 1000 : 1;
  t = now();
  for (long i = 0; i < creates; ++i) {
    pthread_create(&p, NULL, touch, (void*)i);
    pthread_join(p, NULL);
  }
  printf("create_join_ns %.0f\n", (now() - t) / creates * 1e9);
  memory_per_thread();
  return 0;
}

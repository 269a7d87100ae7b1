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
 *   pthread_sync churn [threads]  creates and joins `threads` (default 1,000,000), 8 alive at
 *                                 a time, each touching a __thread variable, a pthread key
 *                                 with a destructor and malloc; prints "churn_ns_per_thread N"
 *                                 and "churn_rss_growth_kib N": resident memory after them
 *                                 minus after a first 10,000 (what nothing may leak)
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

static pthread_key_t churn_key;

static void* churner(void* arg) {
  touched += (long)arg;
  pthread_setspecific(churn_key, malloc(64)); /* freed by the key's destructor */
  free(malloc(256));
  return NULL;
}

static void churn_batch(long threads) {
  enum { kWidth = 8 };
  pthread_t t[kWidth];
  for (long i = 0; i < threads; i += kWidth) {
    for (int k = 0; k < kWidth; ++k) pthread_create(&t[k], NULL, churner, (void*)i);
    for (int k = 0; k < kWidth; ++k) pthread_join(t[k], NULL);
  }
}

static int churn(long threads) {
  pthread_key_create(&churn_key, free);
  churn_batch(10000); /* caches, pools and arenas reach their steady size */
  long before = rss_bytes();
  double t = now();
  churn_batch(threads);
  double took = now() - t;
  printf("churn_ns_per_thread %.0f\n", took / threads * 1e9);
  printf("churn_rss_growth_kib %ld\n", (rss_bytes() - before) / 1024);
  return 0;
}

int main(int argc, char** argv) {
  if (argc > 1 && argv[1][0] == 'c') return churn(argc > 2 && atol(argv[2]) > 0 ? atol(argv[2]) : 1000000);
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

/* cpu_threads.c — N threads each doing the same fixed computation, no
 * blocking call; prints the wall time. Run natively, under green-run
 * --threads (hand-off puts the computing threads on spare OS threads: all
 * CPUs) and with GREEN_HANDOFF_US=0 (every green thread on one OS thread).
 * Usage: cpu_threads THREADS MILLION_ITERATIONS_PER_THREAD */
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <time.h>

static long iterations;
static volatile unsigned long sink;

static void* work(void* arg) {
  unsigned long x = (unsigned long)(size_t)arg + 1;
  for (long i = 0; i < iterations; ++i) x = x * 6364136223846793005ul + 1442695040888963407ul;
  sink = x;
  return NULL;
}

int main(int argc, char** argv) {
  if (argc != 3) {
    fprintf(stderr, "usage: %s THREADS MILLION_ITERATIONS_PER_THREAD\n", argv[0]);
    return 2;
  }
  int n = atoi(argv[1]);
  iterations = atol(argv[2]) * 1000000L;
  if (n < 1 || n > 1024 || iterations <= 0) {
    fprintf(stderr, "%s: THREADS must be 1..1024 and the iterations positive\n", argv[0]);
    return 2;
  }
  pthread_t t[1024];
  struct timespec a, b;
  clock_gettime(CLOCK_MONOTONIC, &a);
  for (int i = 0; i < n; ++i)
    if (pthread_create(&t[i], NULL, work, (void*)(size_t)i) != 0) return 1;
  for (int i = 0; i < n; ++i) pthread_join(t[i], NULL);
  clock_gettime(CLOCK_MONOTONIC, &b);
  printf("wall_ms %.3f\n", (b.tv_sec - a.tv_sec) * 1e3 + (b.tv_nsec - a.tv_nsec) / 1e6);
  return 0;
}

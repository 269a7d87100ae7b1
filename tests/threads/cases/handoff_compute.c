/* handoff_compute.c — one thread computes for 1 s without a blocking call
 * while another ticks every 10 ms. Natively the ticker keeps its rhythm (about
 * 100 ticks); as green threads without hand-off it gets none until the
 * computation ends. The verdict is coarse (at least a third of the ticks), so
 * a loaded machine does not make it flaky. */
#define _GNU_SOURCE
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <time.h>
#include <unistd.h>

#include "mono_clock.h"
#include "os_threads.h"

static atomic_int computing = 1;
static atomic_long ticks_during;

static void* compute(void* arg) {
  (void)arg;
  const double start = mono_now();
  volatile unsigned long x = 1;
  while (mono_now() - start < 1.0)
    for (int i = 0; i < 1000; ++i) x = x * 6364136223846793005ul + 1442695040888963407ul;
  atomic_store(&computing, 0);
  return NULL;
}

static void* ticker(void* arg) {
  (void)arg;
  for (int i = 0; i < 400 && atomic_load(&computing); ++i) {
    usleep(10000);
    if (atomic_load(&computing)) atomic_fetch_add(&ticks_during, 1);
  }
  note_os_threads("handoff_compute.ticker");
  return NULL;
}

int main(void) {
  pthread_t c, t;
  if (pthread_create(&t, NULL, ticker, NULL) != 0 || pthread_create(&c, NULL, compute, NULL) != 0) return 1;
  pthread_join(c, NULL);
  pthread_join(t, NULL);
  long n = atomic_load(&ticks_during);
  printf("the ticker kept ticking during the computation: %s\n", n >= 33 ? "yes" : "no");
  if (n < 33) fprintf(stderr, "only %ld ticks of about 100\n", n);
  return 0;
}

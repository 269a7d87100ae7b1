/* beside_ticker.h — test helper: run a computation in one thread while
 * another ticks every 10 ms, and say whether the ticker kept its rhythm
 * (about 100 ticks per second of computation). Natively it always does; as
 * green threads, only when hand-off moves the computing thread away. The
 * verdict is coarse (at least a third of the ticks), so a loaded machine does
 * not make it flaky.
 *
 *   return beside_ticker(compute_for_a_second, "handoff_x.ticker");  // in main */
#ifndef GREEN_TEST_BESIDE_TICKER_H
#define GREEN_TEST_BESIDE_TICKER_H

#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <unistd.h>

#include "os_threads.h"

static atomic_int beside_computing = 1;
static atomic_long beside_ticks;
static const char* beside_note;

static void* beside_ticker_main(void* arg) {
  (void)arg;
  for (int i = 0; i < 400 && atomic_load(&beside_computing); ++i) {
    usleep(10000);
    if (atomic_load(&beside_computing)) atomic_fetch_add(&beside_ticks, 1);
  }
  note_os_threads(beside_note);
  return NULL;
}

static void* beside_compute_main(void* arg) {
  ((void (*)(void))arg)();
  atomic_store(&beside_computing, 0);
  return NULL;
}

/* beside_ticker: run `compute` in a thread beside the ticker; prints the
 * verdict; main's exit status. */
static int beside_ticker(void (*compute)(void), const char* note) {
  beside_note = note;
  pthread_t c, t;
  if (pthread_create(&t, NULL, beside_ticker_main, NULL) != 0 ||
      pthread_create(&c, NULL, beside_compute_main, (void*)compute) != 0)
    return 1;
  pthread_join(c, NULL);
  pthread_join(t, NULL);
  long n = atomic_load(&beside_ticks);
  printf("the ticker kept ticking during the computation: %s\n", n >= 33 ? "yes" : "no");
  if (n < 33) fprintf(stderr, "only %ld ticks of about 100\n", n);
  return 0;
}

#endif

/* ticker.h — test helper: a thread that advances a counter every 10 ms, to
 * show that other threads keep running while one waits in a blocking call.
 *
 *   ticker_start();  ... long ticks = ticker_ticks(); blocking call ...
 *   printf("ticker ran: %s\n", ticker_ticks() > ticks + 2 ? "yes" : "no");
 *   ticker_stop();
 *
 * Bounded: it stops by itself after 3,000 ticks (30 s). Under
 * green-run --threads it is a green thread, so it only ticks while the
 * blocking call parks instead of stopping the OS thread. */
#ifndef GREEN_TEST_TICKER_H
#define GREEN_TEST_TICKER_H

#include <pthread.h>
#include <stdatomic.h>
#include <unistd.h>

#include "os_threads.h"

static atomic_long ticker_count;
static atomic_int ticker_stopping;
static pthread_t ticker_thread;

static void* ticker_main(void* arg) {
  (void)arg;
  for (int i = 0; i < 3000 && !atomic_load(&ticker_stopping); ++i) {
    usleep(10000);
    if (atomic_fetch_add(&ticker_count, 1) == 1) note_os_threads("ticker");
  }
  return NULL;
}

static void ticker_start(void) { pthread_create(&ticker_thread, NULL, ticker_main, NULL); }
static long ticker_ticks(void) { return atomic_load(&ticker_count); }
static void ticker_stop(void) {
  atomic_store(&ticker_stopping, 1);
  pthread_join(ticker_thread, NULL);
}
/* ticked: "yes" when the ticker advanced by more than 2 since `before`. */
static const char* ticked(long before) { return ticker_ticks() > before + 2 ? "yes" : "no"; }

#endif

/* hubs_parallel.c — two threads that can only finish running at the same
 * time: they pass a counter back and forth by spinning on it, never calling
 * anything green could switch at. Natively they run on two CPUs (or the
 * kernel preempts them). Under green-threads mode with two hubs and hand-off
 * off (GREEN_HANDOFF_US=0) they finish only if they run on two hubs at once:
 * on one hub the first spinner stops the other for ever.
 *
 * Also checks that each thread kept its own __thread counter and errno while
 * the other ran beside it. */
#define _GNU_SOURCE
#include <errno.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>

#include "os_threads.h"

enum { kRounds = 20000 };

static atomic_int turn;
static __thread int mine;

static void* player(void* arg) {
  const int me = (int)(long)arg;
  errno = 100 + me;
  for (int i = 0; i < kRounds; ++i) {
    while (atomic_load_explicit(&turn, memory_order_acquire) % 2 != me) {
    }
    ++mine;
    atomic_fetch_add_explicit(&turn, 1, memory_order_release);
  }
  return (void*)(long)(mine == kRounds && errno == 100 + me);
}

int main(void) {
  pthread_t t[2];
  for (long i = 0; i < 2; ++i) pthread_create(&t[i], NULL, player, (void*)i);
  note_os_threads("players");
  int ok = 1;
  for (int i = 0; i < 2; ++i) {
    void* r;
    pthread_join(t[i], &r);
    ok = ok && r != NULL;
  }
  printf("turns %d, own counters and errno %s\n", atomic_load(&turn), ok ? "kept" : "LOST");
  return ok ? 0 : 1;
}

/* handoff_spin.c — a thread spins on an atomic flag that the main thread sets
 * 50 ms later. Natively both run; as green threads the spinner never reaches
 * a switch point, so without hand-off the main thread's sleep never ends and
 * the program hangs. Bounded: the spinner gives up after 5 s. */
#define _GNU_SOURCE
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <time.h>
#include <unistd.h>

#include "mono_clock.h"
#include "os_threads.h"

static atomic_int flag;
static atomic_int gave_up;

static void* spinner(void* arg) {
  (void)arg;
  const double start = mono_now();
  long spins = 0;
  while (!atomic_load_explicit(&flag, memory_order_acquire)) {
    if (++spins % 4096 == 0 && mono_now() - start > 5) {
      atomic_store(&gave_up, 1);
      return NULL;
    }
  }
  return NULL;
}

int main(void) {
  pthread_t t;
  if (pthread_create(&t, NULL, spinner, NULL) != 0) return 1;
  usleep(50000);
  note_os_threads("handoff_spin.main");
  atomic_store_explicit(&flag, 1, memory_order_release);
  pthread_join(t, NULL);
  printf("the spinner saw the flag: %s\n", atomic_load(&gave_up) ? "no, it gave up after 5 s" : "yes");
  return atomic_load(&gave_up);
}

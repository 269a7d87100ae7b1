/* setid_busy.c — seteuid called while other threads run without ever
 * waiting: each of them spins on a phase counter, reads its own effective
 * uid with a raw system call when the phase moves, and spins on. glibc makes
 * every OS thread apply the change (its SIGSETXID broadcast) and waits for
 * all of them; under green-threads mode on N hubs those threads are the hubs
 * (and spares) running the spinners at that moment, and the caller must not
 * wait for ever. Each spinner must see the new euid after each call, as
 * natively. Needs root (CI runs as root); otherwise the calls are skipped
 * and both runs print the same skip line. */
#define _GNU_SOURCE
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "os_threads.h"

enum { kSpinners = 3, kNobody = 65534 };

static atomic_int phase, seen_count, stop;
static unsigned seen[kSpinners][2];

static unsigned own_euid(void) {
  unsigned r, e, s;
  syscall(SYS_getresuid, &r, &e, &s);
  return e;
}

static void* spinner(void* arg) {
  const int me = (int)(long)arg;
  int mine = 0;
  while (!atomic_load(&stop)) {
    const int p = atomic_load(&phase);
    if (p != mine) {
      seen[me][p - 1] = own_euid();
      mine = p;
      atomic_fetch_add(&seen_count, 1);
    }
  }
  return NULL;
}

static void wait_seen(int n) {
  while (atomic_load(&seen_count) < n) usleep(1000);
}

int main(void) {
  pthread_t t[kSpinners];
  for (long i = 0; i < kSpinners; ++i) pthread_create(&t[i], NULL, spinner, (void*)i);
  note_os_threads("spinners");
  usleep(20000); /* every spinner is spinning */
  const int root = geteuid() == 0;
  if (root) {
    int a = seteuid(kNobody);
    atomic_store(&phase, 1);
    wait_seen(kSpinners);
    int b = seteuid(0);
    atomic_store(&phase, 2);
    wait_seen(2 * kSpinners);
    printf("seteuid(%d) -> %d, seteuid(0) -> %d\n", kNobody, a, b);
  }
  atomic_store(&stop, 1);
  for (int i = 0; i < kSpinners; ++i) pthread_join(t[i], NULL);
  if (!root) {
    puts("not root: skipped");
    return 0;
  }
  for (int i = 0; i < kSpinners; ++i) printf("spinner %d saw euid %u, then %u\n", i, seen[i][0], seen[i][1]);
  return 0;
}

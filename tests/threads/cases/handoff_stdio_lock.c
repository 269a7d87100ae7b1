/* handoff_stdio_lock.c — a thread holds stdout's lock (flockfile) across a
 * 100 ms sleep while another thread calls printf. Natively the printf waits
 * for the lock and its line comes second. As green threads each has its own
 * thread descriptor, so the lock really is held: the printf waits on a futex
 * inside libc, where green cannot see it, and without hand-off the sleeper
 * never wakes. */
#define _GNU_SOURCE
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <unistd.h>

#include "os_threads.h"

static atomic_int locked;

static void* holder(void* arg) {
  (void)arg;
  flockfile(stdout);
  atomic_store(&locked, 1);
  usleep(100000);
  printf("the holder prints first\n");
  funlockfile(stdout);
  return NULL;
}

static void* printer(void* arg) {
  (void)arg;
  while (!atomic_load(&locked)) usleep(1000);
  note_os_threads("handoff_stdio_lock.printer");
  printf("the printer prints second\n");
  return NULL;
}

int main(void) {
  pthread_t h, p;
  if (pthread_create(&h, NULL, holder, NULL) != 0 || pthread_create(&p, NULL, printer, NULL) != 0) return 1;
  pthread_join(h, NULL);
  pthread_join(p, NULL);
  return 0;
}

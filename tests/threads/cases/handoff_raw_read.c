/* handoff_raw_read.c — a thread blocks in a raw read system call
 * (syscall(SYS_read), which green cannot make cooperative) on a pipe that the
 * main thread writes once a third thread, ticking every 5 ms, has ticked
 * three times during the read (or 5 s passed: a loaded machine gets time,
 * nothing is measured). Natively all three run; as green threads without
 * hand-off the read stops the OS thread: nobody ticks or writes, and the
 * program hangs. */
#define _GNU_SOURCE
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "os_threads.h"

static int fds[2];
static atomic_int reading = 1;
static atomic_long ticks_during;

static void* reader(void* arg) {
  (void)arg;
  char buf[16] = {0};
  long n = syscall(SYS_read, fds[0], buf, sizeof buf - 1);
  atomic_store(&reading, 0);
  printf("raw read returned %ld: %s\n", n, buf);
  return NULL;
}

static void* ticker(void* arg) {
  (void)arg;
  for (int i = 0; i < 2000 && atomic_load(&reading); ++i) {
    usleep(5000);
    if (atomic_load(&reading)) atomic_fetch_add(&ticks_during, 1);
  }
  return NULL;
}

int main(void) {
  if (pipe(fds) != 0) return 1;
  pthread_t r, t;
  if (pthread_create(&r, NULL, reader, NULL) != 0 || pthread_create(&t, NULL, ticker, NULL) != 0) return 1;
  for (int i = 0; i < 1000 && atomic_load(&ticks_during) < 3; ++i) usleep(5000);
  note_os_threads("handoff_raw_read.main");
  if (write(fds[1], "hello", 5) != 5) return 1;
  pthread_join(r, NULL);
  pthread_join(t, NULL);
  printf("the ticker ran during the read: %s\n", atomic_load(&ticks_during) >= 3 ? "yes" : "no");
  return 0;
}

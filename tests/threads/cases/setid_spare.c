/* setid_spare.c — seteuid from the main thread while another thread never
 * stops: it loops on raw system calls until the main thread says the call
 * returned, then reports its own effective uid. As green threads, the looping
 * one keeps its hub from switching until hand-off moves it to a spare OS
 * thread, so the call is made while it runs there: glibc's SIGSETXID
 * broadcast must be handled on that spare's own descriptor, not on the green
 * thread's installed one, or glibc signals the spare forever and the call
 * never returns. Natively they are two OS threads.
 *
 * Needs root; otherwise the call is skipped and both runs print the same skip
 * line. A hang fails through the runner's time limit; the loop also gives up
 * after 10 s (and reports 0xdead: hand-off could end the hang from there). */
#define _GNU_SOURCE
#include <pthread.h>
#include <stdio.h>
#include <sys/syscall.h>
#include <time.h>
#include <unistd.h>

#include "os_threads.h"

enum { kNobody = 65534 };

static volatile int looping, returned;

/* Not libc's syscall(): a hooked call would bring a handed-off green thread
 * back to its hub's thread. */
static long raw3(long nr, long a, long b, long c) {
  long ret;
  __asm__ volatile("syscall" : "=a"(ret) : "a"(nr), "D"(a), "S"(b), "d"(c) : "rcx", "r11", "memory");
  return ret;
}

static unsigned own_euid(void) {
  unsigned r, e, s;
  raw3(SYS_getresuid, (long)&r, (long)&e, (long)&s);
  return e;
}

static void* loop_until_returned(void* arg) {
  note_os_threads("looper");
  struct timespec start, now;
  clock_gettime(CLOCK_MONOTONIC, &start);
  looping = 1;
  do {
    raw3(SYS_getppid, 0, 0, 0);
    clock_gettime(CLOCK_MONOTONIC, &now);
  } while (!returned && now.tv_sec - start.tv_sec < 10);
  *(unsigned*)arg = returned ? own_euid() : 0xdead;
  return NULL;
}

static void* note(void* arg) {
  note_os_threads(arg);
  return NULL;
}

int main(void) {
  pthread_t looper;
  if (geteuid() != 0) {
    pthread_create(&looper, NULL, note, "thread");
    pthread_join(looper, NULL);
    printf("skipped: seteuid needs root\n");
    return 0;
  }
  unsigned seen = 0;
  pthread_create(&looper, NULL, loop_until_returned, &seen);
  while (!looping) usleep(1000);
  usleep(20000); /* as green threads: returns once the looper went to a spare */
  int rc = seteuid(kNobody);
  returned = 1;
  pthread_join(looper, NULL);
  printf("seteuid(65534) = %d\nlooper: euid %u\nmain: euid %u\n", rc, seen, own_euid());
  return 0;
}

/* main_exit.c — main() ends its own thread with pthread_exit while two
 * workers still run: the process lives on until they end, then exits with
 * status 0 as its last thread would (atexit handlers run, stdout, a pipe
 * here, is flushed). Under green-threads mode green's own OS threads (hubs,
 * the watchdog) must not keep the process alive after that. */
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>

#include "os_threads.h"

static void* worker(void* arg) {
  usleep(50000 * (int)(long)arg);
  printf("worker %d done\n", (int)(long)arg);
  return NULL;
}

static void at_end(void) { puts("atexit handler ran"); }

int main(void) {
  atexit(at_end);
  pthread_t t[2];
  for (long i = 0; i < 2; ++i) pthread_create(&t[i], NULL, worker, (void*)(i + 1));
  note_os_threads("workers");
  puts("main ends its thread");
  pthread_exit(NULL);
}

/* fork_busy.c — fork() while other threads keep green's bookkeeping busy:
 * workers on every hub create and join threads and contend for a mutex
 * without pause while the main thread forks 100 times. Each child makes and
 * joins a thread of its own, allocates, and exits with status 7. Natively
 * every child does; under green-threads mode a child that inherited one of
 * green's locks held by a worker (the thread registry's, a parking-lot
 * bucket's) would spin on it for ever, and the runner's time limit fails
 * the test. (The children never touch the workers' mutex: natively a child
 * that forked while a worker held it would wait for ever too.) */
#define _GNU_SOURCE
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/wait.h>
#include <unistd.h>

#include "os_threads.h"

enum { kWorkers = 4, kForks = 100 };

static pthread_mutex_t m = PTHREAD_MUTEX_INITIALIZER;
static atomic_int stop;
static long counter;

static void* noop(void* arg) { return arg; }

static void* worker(void* arg) {
  while (!atomic_load(&stop)) {
    pthread_mutex_lock(&m);
    ++counter;
    pthread_mutex_unlock(&m);
    pthread_t t;
    if (pthread_create(&t, NULL, noop, NULL) == 0) pthread_join(t, NULL);
  }
  return arg;
}

int main(void) {
  pthread_t w[kWorkers];
  for (int i = 0; i < kWorkers; ++i) pthread_create(&w[i], NULL, worker, NULL);
  note_os_threads("workers");
  int ok = 0;
  for (int i = 0; i < kForks; ++i) {
    pid_t pid = fork();
    if (pid == 0) {
      pthread_t t;
      void* p = malloc(100);
      int made = pthread_create(&t, NULL, noop, p) == 0 && pthread_join(t, NULL) == 0;
      free(p);
      _exit(made ? 7 : 1);
    }
    int status = 0;
    if (pid > 0 && waitpid(pid, &status, 0) == pid && WIFEXITED(status) && WEXITSTATUS(status) == 7) ++ok;
    usleep(1000);
  }
  atomic_store(&stop, 1);
  for (int i = 0; i < kWorkers; ++i) pthread_join(w[i], NULL);
  printf("forks %d, children ok %d, counter %s\n", kForks, ok, counter > 0 ? "moved" : "stuck");
  return ok == kForks ? 0 : 1;
}

/* tls_vars.c — thread-local storage per thread: a __thread counter and a
 * __thread char[] buffer each thread fills while the others run between its
 * steps, errno kept per thread across blocking calls, and glibc's per-thread
 * strerror buffer. Natively each thread sees only its own; under
 * green-run --threads every green thread must too. Two rounds: the second
 * round's threads may get the first round's descriptors back (green keeps
 * them for reuse) and must still start from the initial values. */
#include <errno.h>
#include <pthread.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "os_threads.h"

enum { kThreads = 4, kSteps = 5 };

static __thread int counter;
static __thread char buf[64];
static __thread int initialised = 42; /* from the TLS image (.tdata), not zero */

static pthread_barrier_t all_started;
static char results[kThreads][200];

static void* run(void* arg) {
  int id = (int)(long)arg;
  int image = initialised;
  pthread_barrier_wait(&all_started); /* every thread exists before any counts */
  for (int i = 0; i < kSteps; ++i) {
    ++counter;
    size_t n = strlen(buf);
    snprintf(buf + n, sizeof buf - n, "%c", 'a' + id);
    initialised += id;
    errno = 1000 + id;
    usleep(2000); /* blocks: the other threads run meanwhile */
    if (errno != 1000 + id) {
      snprintf(results[id], sizeof results[id], "thread %d: errno %d after usleep", id, errno);
      return NULL;
    }
  }
  /* strerror of an unknown number writes glibc's per-thread buffer. */
  const char* msg = strerror(2000 + id);
  usleep(2000);
  snprintf(results[id], sizeof results[id], "thread %d: counter %d buf %s image %d now %d strerror '%s'", id, counter,
           buf, image, initialised, msg);
  note_os_threads("threads");
  return NULL;
}

int main(void) {
  pthread_t t[kThreads];
  pthread_barrier_init(&all_started, NULL, kThreads);
  counter = 100;
  strcpy(buf, "main");
  for (int round = 1; round <= 2; ++round) {
    for (int i = 0; i < kThreads; ++i) pthread_create(&t[i], NULL, run, (void*)(long)i);
    for (int i = 0; i < kThreads; ++i) pthread_join(t[i], NULL);
    for (int i = 0; i < kThreads; ++i) printf("round %d %s\n", round, results[i]);
  }
  printf("main: counter %d buf %s\n", counter, buf);
  return 0;
}

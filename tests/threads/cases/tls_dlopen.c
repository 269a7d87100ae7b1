/* tls_dlopen.c — a library dlopen'ed after the threads started: every thread
 * that then uses its __thread variable has its own copy, starting from the
 * library's initial value. */
#define _GNU_SOURCE
#include <dlfcn.h>
#include <libgen.h>
#include <limits.h>
#include <pthread.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "os_threads.h"

enum { kThreads = 4 };

static pthread_barrier_t started, loaded;
static int (*hit)(int);

/* Called by the library's constructor during dlopen. */
void tls_module_register(int (*h)(int)) { hit = h; }
static int results[kThreads];

static void* run(void* arg) {
  int id = (int)(long)arg;
  pthread_barrier_wait(&started);
  pthread_barrier_wait(&loaded); /* main dlopens the library meanwhile */
  int v = 0;
  for (int i = 0; i < 3; ++i) {
    v = hit(id + 1);
    usleep(1000);
  }
  results[id] = v;
  note_os_threads("threads");
  return NULL;
}

int main(void) {
  pthread_barrier_init(&started, NULL, kThreads + 1);
  pthread_barrier_init(&loaded, NULL, kThreads + 1);
  pthread_t t[kThreads];
  for (int i = 0; i < kThreads; ++i) pthread_create(&t[i], NULL, run, (void*)(long)i);
  pthread_barrier_wait(&started);
  /* The library sits next to this program. */
  char path[PATH_MAX];
  ssize_t n = readlink("/proc/self/exe", path, sizeof path - 64);
  if (n <= 0) return 2;
  path[n] = 0;
  char* dir = dirname(path);
  char lib[PATH_MAX];
  snprintf(lib, sizeof lib, "%s/libthreads_tls_module.so", dir);
  void* h = dlopen(lib, RTLD_NOW);
  if (!h) {
    printf("dlopen: %s\n", dlerror());
    return 1;
  }
  if (!hit) {
    printf("the library did not register\n");
    return 1;
  }
  pthread_barrier_wait(&loaded);
  for (int i = 0; i < kThreads; ++i) pthread_join(t[i], NULL);
  for (int i = 0; i < kThreads; ++i) printf("thread %d: %d\n", i, results[i]);
  printf("main: %d\n", hit(0));
  return 0;
}

/* tls_static_dlopen.c — libraries with initial-exec (static) TLS dlopen'ed
 * while threads wait: glibc copies their initial values into the static TLS
 * area of every thread it knows. Two copies of one library, loaded in turn:
 * the first by the main thread, the second by a thread. Each thread then
 * reads the initial values, writes its own, and after every other thread
 * wrote, reads its own again. So do a thread made right before the first
 * load (as a green thread, not started yet when it happens, on the
 * descriptor of a thread that ended before: green keeps them for reuse), and
 * a thread made after both loads (on the descriptor of one that used them).
 *
 * The libraries are opened by their bare names, found through this program's
 * RUNPATH ($ORIGIN): dlopen searches its caller's, so it must see this
 * program as the caller. */
#define _GNU_SOURCE
#include <dlfcn.h>
#include <pthread.h>
#include <semaphore.h>
#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>

#include "os_threads.h"

enum { kThreads = 4, kFresh = kThreads + 1, kLate, kReaders, kLibs = 2 }; /* readers: main, threads, fresh, late */

typedef void (*Swap)(int, const char*, int*, char*);
static const char* const libs[kLibs] = {"libthreads_tls_static_a.so", "libthreads_tls_static_b.so"};
static const int loaded_by[kLibs] = {0, 1}; /* main, thread 1 */
static Swap swaps[kLibs];
static int loading;

/* Called by the library's constructor during dlopen. */
void tls_static_register(Swap s) { swaps[loading] = s; }

struct Seen {
  int first, again;
  char first_word[16], again_word[16];
};
static struct Seen seen[kLibs][kReaders];
static pthread_barrier_t started, loaded, wrote;
static sem_t both_loaded;

static void load(int lib) {
  loading = lib;
  if (!dlopen(libs[lib], RTLD_NOW)) {
    printf("dlopen: %s\n", dlerror());
    exit(1);
  }
  if (!swaps[lib]) {
    printf("%s did not register\n", libs[lib]);
    exit(1);
  }
}

static void use(int lib, int id) {
  char word[16];
  snprintf(word, sizeof word, "reader %d", id);
  swaps[lib](100 * (lib + 1) + id, word, &seen[lib][id].first, seen[lib][id].first_word);
  usleep(1000); /* the others run meanwhile */
}

static void check_again(int lib, int id) { swaps[lib](0, "", &seen[lib][id].again, seen[lib][id].again_word); }

/* Reader `id` (0: main) through both loads. */
static void follow(int id) {
  pthread_barrier_wait(&started);
  for (int lib = 0; lib < kLibs; ++lib) {
    if (loaded_by[lib] == id) load(lib);
    pthread_barrier_wait(&loaded);
    use(lib, id);
    pthread_barrier_wait(&wrote);
    check_again(lib, id);
  }
}

static void* run(void* arg) {
  follow((int)(long)arg);
  note_os_threads("threads");
  return NULL;
}

static void* late(void* arg) {
  for (int lib = 0; lib < kLibs; ++lib) {
    use(lib, (int)(long)arg);
    check_again(lib, (int)(long)arg);
  }
  return NULL;
}

static void* fresh(void* arg) {
  sem_wait(&both_loaded);
  return late(arg);
}

static void* nothing(void* arg) { return arg; }

int main(void) {
  pthread_barrier_init(&started, NULL, kThreads + 1);
  pthread_barrier_init(&loaded, NULL, kThreads + 1);
  pthread_barrier_init(&wrote, NULL, kThreads + 1);
  pthread_t t[kThreads + 1];
  /* Ended before the loads: its descriptor is kept for the next thread. */
  pthread_create(&t[0], NULL, nothing, NULL);
  pthread_join(t[0], NULL);
  for (int i = 1; i <= kThreads; ++i) pthread_create(&t[i], NULL, run, (void*)(long)i);
  sem_init(&both_loaded, 0, 0);
  pthread_t made_before;
  pthread_create(&made_before, NULL, fresh, (void*)(long)kFresh);
  follow(0);
  sem_post(&both_loaded);
  for (int i = 1; i <= kThreads; ++i) pthread_join(t[i], NULL);
  pthread_join(made_before, NULL);
  pthread_create(&t[0], NULL, late, (void*)(long)kLate);
  pthread_join(t[0], NULL);
  for (int lib = 0; lib < kLibs; ++lib) {
    printf("%s, loaded by %s:\n", libs[lib], loaded_by[lib] ? "thread 1" : "main");
    for (int i = 0; i < kReaders; ++i) {
      const struct Seen* s = &seen[lib][i];
      const char* who = i == 0 ? "main" : i <= kThreads ? "thread" : i == kFresh ? "fresh thread" : "late thread";
      printf("  %s %d: first %d '%s', again %d '%s'\n", who, i, s->first, s->first_word, s->again, s->again_word);
    }
  }
  return 0;
}

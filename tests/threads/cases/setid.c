/* setid.c — setuid & co. called by one thread while the others wait: the
 * kernel keeps credentials per OS thread, and glibc makes every thread of the
 * process apply the change (its SIGSETXID broadcast), so afterwards every
 * thread, the main one too, reports the same ids. Each reads its own with raw
 * system calls (the kernel's per-thread answer, not glibc's). The calls come
 * in an order root can follow to the end: seteuid away and back (from two
 * different threads), the groups, then setuid, after which root is gone and
 * setuid(0) must fail.
 *
 * Needs root (CI runs as root); otherwise the calls are skipped, and the
 * native and green runs print the same skip line. Under green a setid call
 * that never returns is a hang: the runner's time limit fails the test. */
#define _GNU_SOURCE
#include <errno.h>
#include <grp.h>
#include <pthread.h>
#include <stdio.h>
#include <string.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "os_threads.h"

enum { kThreads = 4, kNobody = 65534 };

struct Ids {
  unsigned uid[3], gid[3];
  long groups;
};

struct Step {
  const char* call;
  int by; /* the thread making it (1..kThreads) */
  int rc, err;
  struct Ids seen[kThreads + 1]; /* [0]: main */
};

static struct Step steps[] = {
    {"seteuid(65534)", 1}, {"seteuid(0)", 2},    {"setgroups(1, {65534})", 3},
    {"setgid(65534)", 4},  {"setuid(65534)", 1}, {"setuid(0)", 2},
};
enum { kSteps = sizeof steps / sizeof steps[0] };

static pthread_barrier_t go, done;
static int root;

static int make(int step) {
  gid_t nobody = kNobody;
  switch (step) {
    case 0: return seteuid(kNobody);
    case 1: return seteuid(0);
    case 2: return setgroups(1, &nobody);
    case 3: return setgid(kNobody);
    case 4: return setuid(kNobody);
    default: return setuid(0);
  }
}

static void read_ids(struct Ids* out) {
  syscall(SYS_getresuid, &out->uid[0], &out->uid[1], &out->uid[2]);
  syscall(SYS_getresgid, &out->gid[0], &out->gid[1], &out->gid[2]);
  out->groups = syscall(SYS_getgroups, 0, NULL);
}

/* Every thread, `me` (0: main), goes through the steps together. */
static void follow(int me) {
  for (int s = 0; s < (root ? kSteps : 0); ++s) {
    pthread_barrier_wait(&go);
    if (steps[s].by == me) {
      errno = 0;
      steps[s].rc = make(s);
      steps[s].err = steps[s].rc ? errno : 0;
    }
    pthread_barrier_wait(&done);
    read_ids(&steps[s].seen[me]);
  }
}

static void* run(void* arg) {
  note_os_threads("threads"); /* while the log is still ours to write */
  pthread_barrier_wait(&go);
  follow((int)(long)arg);
  return NULL;
}

int main(void) {
  root = geteuid() == 0;
  pthread_barrier_init(&go, NULL, kThreads + 1);
  pthread_barrier_init(&done, NULL, kThreads + 1);
  pthread_t t[kThreads];
  for (int i = 0; i < kThreads; ++i) pthread_create(&t[i], NULL, run, (void*)(long)(i + 1));
  pthread_barrier_wait(&go); /* every thread noted the OS threads */
  note_os_threads("main");
  follow(0);
  for (int i = 0; i < kThreads; ++i) pthread_join(t[i], NULL);
  if (!root) {
    printf("skipped: the set*id calls need root\n");
    return 0;
  }
  for (int s = 0; s < kSteps; ++s) {
    printf("thread %d: %s = %d%s%s\n", steps[s].by, steps[s].call, steps[s].rc, steps[s].err ? " " : "",
           steps[s].err ? strerror(steps[s].err) : "");
    for (int me = 0; me <= kThreads; ++me) {
      const struct Ids* i = &steps[s].seen[me];
      printf("  %s%.0d: uid %u %u %u, gid %u %u %u, %ld groups\n", me ? "thread " : "main", me, i->uid[0], i->uid[1],
             i->uid[2], i->gid[0], i->gid[1], i->gid[2], i->groups);
    }
  }
  return 0;
}

/* pshared_sync.c — issue 17: a process-shared condition variable, rwlock and
 * barrier in a MAP_SHARED mapping, signalled, released and reached by a
 * forked child; and a process-shared condition variable whose mutex is
 * recursive (glibc waits for it in the kernel), waited on by another thread. They stay glibc's under green-run
 * --threads (another process uses them with glibc's own code), and while one thread waits on them the other threads
 * keep running, as natively. */
#define _GNU_SOURCE
#include <errno.h>
#include <pthread.h>
#include <stdio.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "ticker.h"

struct shared {
  pthread_mutex_t mutex;
  pthread_cond_t cond;
  int flag;
  pthread_rwlock_t rwlock;
  pthread_barrier_t barrier;
  pthread_mutex_t rmutex; /* recursive */
  pthread_cond_t rcond;
  int rflag;
};

static double now_s(void) {
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

/* A waiter canceled in pthread_cond_wait holds the mutex again when its
 * cleanup handler runs (which unlocks it). */
static void unlock_mutex(void* m) { pthread_mutex_unlock(m); }

static void* cond_waiter(void* arg) {
  struct shared* sh = arg;
  pthread_mutex_lock(&sh->mutex);
  pthread_cleanup_push(unlock_mutex, &sh->mutex);
  for (;;) pthread_cond_wait(&sh->cond, &sh->mutex);
  pthread_cleanup_pop(1);
  return NULL;
}

/* Waits for the child's signal on the condition whose mutex is recursive. */
static void* recursive_waiter(void* arg) {
  struct shared* sh = arg;
  pthread_mutex_lock(&sh->rmutex);
  int r = 0;
  while (!sh->rflag && r == 0) r = pthread_cond_wait(&sh->rcond, &sh->rmutex);
  pthread_mutex_unlock(&sh->rmutex);
  return (void*)(long)r;
}

static const char* waited(double t0) { return now_s() - t0 > 0.1 ? "yes" : "no"; }

int main(void) {
  struct shared* sh = mmap(NULL, sizeof *sh, PROT_READ | PROT_WRITE, MAP_SHARED | MAP_ANONYMOUS, -1, 0);
  if (sh == MAP_FAILED) return 1;
  pthread_mutexattr_t ma;
  pthread_mutexattr_init(&ma);
  pthread_mutexattr_setpshared(&ma, PTHREAD_PROCESS_SHARED);
  printf("mutex_init shared: %d\n", pthread_mutex_init(&sh->mutex, &ma));
  pthread_condattr_t ca;
  pthread_condattr_init(&ca);
  pthread_condattr_setpshared(&ca, PTHREAD_PROCESS_SHARED);
  pthread_condattr_setclock(&ca, CLOCK_MONOTONIC);
  printf("cond_init shared: %d\n", pthread_cond_init(&sh->cond, &ca));
  pthread_rwlockattr_t ra;
  pthread_rwlockattr_init(&ra);
  pthread_rwlockattr_setpshared(&ra, PTHREAD_PROCESS_SHARED);
  printf("rwlock_init shared: %d\n", pthread_rwlock_init(&sh->rwlock, &ra));
  pthread_barrierattr_t ba;
  pthread_barrierattr_init(&ba);
  pthread_barrierattr_setpshared(&ba, PTHREAD_PROCESS_SHARED);
  printf("barrier_init shared: %d\n", pthread_barrier_init(&sh->barrier, &ba, 2));
  pthread_mutexattr_settype(&ma, PTHREAD_MUTEX_RECURSIVE);
  printf("recursive mutex_init shared: %d\n", pthread_mutex_init(&sh->rmutex, &ma));
  printf("cond_init shared: %d\n", pthread_cond_init(&sh->rcond, &ca));

  int ready[2];
  if (pipe(ready) != 0) return 1;
  fflush(stdout);
  pid_t child = fork();
  if (child == 0) {
    pthread_rwlock_wrlock(&sh->rwlock);
    if (write(ready[1], "r", 1) != 1) _exit(2);
    usleep(300000);
    pthread_mutex_lock(&sh->mutex);
    sh->flag = 1;
    pthread_cond_signal(&sh->cond);
    pthread_mutex_unlock(&sh->mutex);
    usleep(300000);
    pthread_rwlock_unlock(&sh->rwlock);
    usleep(300000);
    int r = pthread_barrier_wait(&sh->barrier);
    usleep(300000);
    pthread_mutex_lock(&sh->rmutex);
    sh->rflag = 1;
    pthread_cond_signal(&sh->rcond);
    pthread_mutex_unlock(&sh->rmutex);
    _exit(r == 0 || r == PTHREAD_BARRIER_SERIAL_THREAD ? 0 : 3);
  }
  char c;
  printf("child ready: %zd\n", read(ready[0], &c, 1));
  ticker_start();

  struct timespec abs;
  clock_gettime(CLOCK_MONOTONIC, &abs);
  abs.tv_nsec += 50000000;
  if (abs.tv_nsec >= 1000000000) abs.tv_nsec -= 1000000000, abs.tv_sec++;
  pthread_mutex_lock(&sh->mutex);
  printf("cond_timedwait before the signal: %s\n",
         strerrorname_np(pthread_cond_timedwait(&sh->cond, &sh->mutex, &abs)));
  long t = ticker_ticks();
  double t0 = now_s();
  int r = 0;
  while (!sh->flag && r == 0) r = pthread_cond_wait(&sh->cond, &sh->mutex);
  pthread_mutex_unlock(&sh->mutex);
  printf("cond_wait: %d, waited for the child: %s, ticker ran: %s\n", r, waited(t0), ticked(t));

  printf("rwlock_tryrdlock (child writes): %s\n", strerrorname_np(pthread_rwlock_tryrdlock(&sh->rwlock)));
  t = ticker_ticks();
  t0 = now_s();
  r = pthread_rwlock_rdlock(&sh->rwlock);
  printf("rwlock_rdlock: %d, waited for the child: %s, ticker ran: %s\n", r, waited(t0), ticked(t));
  printf("rwlock_unlock: %d\n", pthread_rwlock_unlock(&sh->rwlock));

  t = ticker_ticks();
  t0 = now_s();
  r = pthread_barrier_wait(&sh->barrier);
  printf("barrier_wait: %s, waited for the child: %s, ticker ran: %s\n",
         r == 0 || r == PTHREAD_BARRIER_SERIAL_THREAD ? "ok" : strerrorname_np(r), waited(t0), ticked(t));

  /* The waiter waits in the kernel, inside glibc: under green-run --threads
   * hand-off moves it to a spare OS thread, so the ticker keeps running. */
  pthread_t rw;
  t = ticker_ticks();
  t0 = now_s();
  pthread_create(&rw, NULL, recursive_waiter, sh);
  void* rres = NULL;
  pthread_join(rw, &rres);
  printf("cond_wait, recursive mutex, in another thread: %ld, waited for the child: %s, ticker ran: %s\n", (long)rres,
         waited(t0), ticked(t));

  pthread_t w;
  pthread_create(&w, NULL, cond_waiter, sh);
  usleep(100000);
  printf("cancel a waiter: %d\n", pthread_cancel(w));
  void* res = NULL;
  int jr = pthread_join(w, &res);
  printf("join it: %d, canceled: %s\n", jr, res == PTHREAD_CANCELED ? "yes" : "no");
  int tr = pthread_mutex_trylock(&sh->mutex);
  printf("mutex after its cleanup: %s\n", tr == 0 ? "free" : strerrorname_np(tr));
  if (tr == 0) pthread_mutex_unlock(&sh->mutex);

  int status = 0;
  printf("waitpid: %d, exit %d\n", waitpid(child, &status, 0) == child, WEXITSTATUS(status));
  ticker_stop();
  pthread_barrier_destroy(&sh->barrier);
  pthread_rwlock_destroy(&sh->rwlock);
  pthread_cond_destroy(&sh->cond);
  pthread_mutex_destroy(&sh->mutex);
  pthread_cond_destroy(&sh->rcond);
  pthread_mutex_destroy(&sh->rmutex);
  return 0;
}

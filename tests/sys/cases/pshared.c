/* pshared.c — issue 17: a process-shared semaphore and mutex in a MAP_SHARED
 * mapping, posted and unlocked by a forked child. They stay glibc's under
 * green-run --threads (the semaphore's private/shared flag read the right
 * way round), and a wait on them lets the other threads run. */
#define _GNU_SOURCE
#include <errno.h>
#include <pthread.h>
#include <semaphore.h>
#include <stdio.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "ticker.h"

struct shared {
  sem_t sem;
  pthread_mutex_t mutex;
};

static double now_s(void) {
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

int main(void) {
  struct shared* sh = mmap(NULL, sizeof *sh, PROT_READ | PROT_WRITE, MAP_SHARED | MAP_ANONYMOUS, -1, 0);
  if (sh == MAP_FAILED) return 1;
  printf("sem_init shared: %d\n", sem_init(&sh->sem, 1, 0));
  pthread_mutexattr_t a;
  pthread_mutexattr_init(&a);
  pthread_mutexattr_setpshared(&a, PTHREAD_PROCESS_SHARED);
  pthread_mutexattr_settype(&a, PTHREAD_MUTEX_ERRORCHECK);
  printf("mutex_init shared: %d\n", pthread_mutex_init(&sh->mutex, &a));
  int ready[2];
  if (pipe(ready) != 0) return 1;
  fflush(stdout);
  pid_t child = fork();
  if (child == 0) {
    pthread_mutex_lock(&sh->mutex);
    if (write(ready[1], "r", 1) != 1) _exit(2);
    usleep(400000);
    sem_post(&sh->sem);
    usleep(300000);
    pthread_mutex_unlock(&sh->mutex);
    _exit(0);
  }
  char c;
  printf("child ready: %zd\n", read(ready[0], &c, 1));
  ticker_start();

  struct timespec abs;
  clock_gettime(CLOCK_REALTIME, &abs);
  abs.tv_nsec += 100000000;
  if (abs.tv_nsec >= 1000000000) abs.tv_nsec -= 1000000000, abs.tv_sec++;
  errno = 0;
  int r = sem_timedwait(&sh->sem, &abs);
  printf("sem_timedwait before the post: %d %s\n", r, strerrorname_np(errno));
  errno = 0;
  r = sem_trywait(&sh->sem);
  printf("sem_trywait: %d %s\n", r, strerrorname_np(errno));
  printf("mutex_trylock (child holds it): %s\n", strerrorname_np(pthread_mutex_trylock(&sh->mutex)));

  long t = ticker_ticks();
  double t0 = now_s();
  r = sem_wait(&sh->sem);
  printf("sem_wait: %d, waited for the child: %s, ticker ran: %s\n", r, now_s() - t0 > 0.1 ? "yes" : "no", ticked(t));

  t = ticker_ticks();
  t0 = now_s();
  r = pthread_mutex_lock(&sh->mutex);
  printf("mutex_lock: %d, waited for the child: %s, ticker ran: %s\n", r, now_s() - t0 > 0.1 ? "yes" : "no", ticked(t));
  printf("mutex_lock again (errorcheck): %s\n", strerrorname_np(pthread_mutex_lock(&sh->mutex)));
  printf("mutex_unlock: %d\n", pthread_mutex_unlock(&sh->mutex));

  int status = 0;
  printf("waitpid: %d, exit %d\n", waitpid(child, &status, 0) == child, WEXITSTATUS(status));
  ticker_stop();
  sem_destroy(&sh->sem);
  pthread_mutex_destroy(&sh->mutex);
  return 0;
}

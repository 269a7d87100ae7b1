/* flock.c — issue 17: file locks that wait. Two threads contend for flock on
 * one file (separate opens) and for an open-file-description lock; a child
 * process holds an fcntl record lock and a lockf lock while this process
 * waits in F_SETLKW / F_LOCK. The ticker thread keeps running during every
 * wait. */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "ticker.h"

static char path[256];
static int holding[2]; /* the holder writes one byte once it holds the lock */

static double now_s(void) {
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static const char* err(int r) { return r == 0 ? "0" : strerrorname_np(errno); }

static void* flock_holder(void* arg) {
  int fd = open(path, O_RDWR);
  flock(fd, LOCK_EX);
  if (write(holding[1], "h", 1) != 1) return NULL;
  usleep(200000);
  flock(fd, LOCK_UN);
  close(fd);
  (void)arg;
  return NULL;
}

static void* ofd_holder(void* arg) {
  int fd = open(path, O_RDWR);
  struct flock lk = {.l_type = F_WRLCK, .l_whence = SEEK_SET};
  fcntl(fd, F_OFD_SETLKW, &lk);
  if (write(holding[1], "h", 1) != 1) return NULL;
  usleep(200000);
  close(fd);
  (void)arg;
  return NULL;
}

/* holder_process: a child that holds a write lock on the whole file (with
 * fcntl, or lockf when `use_lockf`) for `hold_us`, then exits. */
static pid_t holder_process(int use_lockf, int hold_us) {
  fflush(stdout);
  pid_t pid = fork();
  if (pid == 0) {
    int fd = open(path, O_RDWR);
    struct flock lk = {.l_type = F_WRLCK, .l_whence = SEEK_SET};
    int r = use_lockf ? lockf(fd, F_LOCK, 0) : fcntl(fd, F_SETLKW, &lk);
    if (r != 0 || write(holding[1], "h", 1) != 1) _exit(1);
    usleep(hold_us);
    _exit(0);
  }
  char c;
  if (read(holding[0], &c, 1) != 1) exit(1);
  return pid;
}

static void report(const char* what, int r, double t0, long ticks) {
  printf("%s: %s, waited for the holder: %s, ticker ran: %s\n", what, err(r), now_s() - t0 > 0.1 ? "yes" : "no",
         ticked(ticks));
}

int main(void) {
  const char* dir = getenv("TMPDIR");
  snprintf(path, sizeof path, "%s/green-flock-XXXXXX", dir && *dir ? dir : "/tmp");
  int tmp = mkstemp(path);
  if (tmp < 0 || pipe(holding) != 0) return 1;
  close(tmp);

  ticker_start();

  int fd = open(path, O_RDWR);
  char c;
  pthread_t t;
  pthread_create(&t, NULL, flock_holder, NULL);
  if (read(holding[0], &c, 1) != 1) return 1;
  printf("flock LOCK_NB while held: %s\n", err(flock(fd, LOCK_EX | LOCK_NB)));
  long ticks = ticker_ticks();
  double t0 = now_s();
  report("flock LOCK_EX", flock(fd, LOCK_EX), t0, ticks);
  pthread_join(t, NULL);
  printf("flock LOCK_UN: %s\n", err(flock(fd, LOCK_UN)));
  close(fd);

  fd = open(path, O_RDWR);
  pthread_create(&t, NULL, ofd_holder, NULL);
  if (read(holding[0], &c, 1) != 1) return 1;
  struct flock lk = {.l_type = F_WRLCK, .l_whence = SEEK_SET};
  printf("F_OFD_SETLK while held: %s\n", err(fcntl(fd, F_OFD_SETLK, &lk)));
  ticks = ticker_ticks();
  t0 = now_s();
  report("F_OFD_SETLKW", fcntl(fd, F_OFD_SETLKW, &lk), t0, ticks);
  pthread_join(t, NULL);
  close(fd);

  fd = open(path, O_RDWR);
  pid_t child = holder_process(0, 300000);
  struct flock rl = {.l_type = F_WRLCK, .l_whence = SEEK_SET};
  printf("F_SETLK while another process holds it: %s\n", fcntl(fd, F_SETLK, &rl) == 0 ? "0" : "busy");
  ticks = ticker_ticks();
  t0 = now_s();
  report("F_SETLKW", fcntl(fd, F_SETLKW, &rl), t0, ticks);
  rl.l_type = F_UNLCK;
  printf("F_SETLK unlock: %s\n", err(fcntl(fd, F_SETLK, &rl)));
  waitpid(child, NULL, 0);

  child = holder_process(1, 300000);
  printf("lockf F_TLOCK while held: %s\n", lockf(fd, F_TLOCK, 0) == 0 ? "0" : "busy");
  ticks = ticker_ticks();
  t0 = now_s();
  report("lockf F_LOCK", lockf(fd, F_LOCK, 0), t0, ticks);
  printf("lockf F_ULOCK: %s\n", err(lockf(fd, F_ULOCK, 0)));
  waitpid(child, NULL, 0);

  /* Not checked here: alarm() + F_SETLKW ending the wait with EINTR. Under
   * the preload the handler's EINTR reaches the back-off loop only some of
   * the time (docs/interposition.md, file locks). */

  printf("flock bad fd: %s\n", err(flock(-1, LOCK_EX)));
  printf("flock bad op: %s\n", err(flock(fd, 0)));
  close(fd);
  unlink(path);
  ticker_stop();
  return 0;
}

/* sigint.c — Ctrl-C (SIGINT, default disposition) kills a program blocked in
 * read(): the exit status must be "killed by SIGINT" natively and preloaded. */
#include "check.h"
#include <pthread.h>
#include <signal.h>
#include <unistd.h>

static void *ctrl_c(void *arg) {
  (void)arg;
  usleep(150000);
  kill(getpid(), SIGINT);
  return NULL;
}

int main(void) {
  int p[2];
  if (pipe(p) != 0) DIE("pipe");
  sigset_t block, old;
  sigemptyset(&block);
  sigaddset(&block, SIGINT);
  pthread_sigmask(SIG_BLOCK, &block, &old); /* the helper never takes it */
  pthread_t t;
  pthread_create(&t, NULL, ctrl_c, NULL);
  pthread_sigmask(SIG_SETMASK, &old, NULL);
  printf("blocked in read\n");
  fflush(stdout);
  char c;
  SHOW("read returned instead of dying", read(p[0], &c, 1));
  return 0;
}

/* dump_signal.c — blocks in read() on a pipe while another thread sends the
 * process GREEN_DUMP_SIGNAL's signal, then unblocks it. Under the preload with
 * GREEN_DUMP_SIGNAL=USR1, stderr gets the greenlet listing. */
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <time.h>
#include <unistd.h>

static int fds[2];

static void* poke(void* arg) {
  (void)arg;
  struct timespec t = {0, 100 * 1000 * 1000};
  nanosleep(&t, NULL);
  kill(getpid(), SIGUSR1);
  nanosleep(&t, NULL);
  if (write(fds[1], "x", 1) != 1) return NULL;
  return NULL;
}

int main(void) {
  char c;
  pthread_t t;
  if (pipe(fds) != 0) return 1;
  pthread_create(&t, NULL, poke, NULL);
  ssize_t n = read(fds[0], &c, 1);
  pthread_join(t, NULL);
  printf("read %zd byte(s), fd %d\n", n, fds[0]);
  return n == 1 ? 0 : 1;
}

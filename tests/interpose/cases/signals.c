/* Signals while blocked: sleep and poll end with EINTR / time left; a read
 * under SA_RESTART keeps going. */
#include "check.h"
#include <poll.h>
#include <pthread.h>
#include <signal.h>
#include <sys/time.h>
#include <unistd.h>

static volatile sig_atomic_t hits;
static void on_alarm(int sig) {
  (void)sig;
  hits++;
}

static void arm(int restart) {
  struct sigaction sa;
  memset(&sa, 0, sizeof sa);
  sa.sa_handler = on_alarm;
  sa.sa_flags = restart ? SA_RESTART : 0;
  sigaction(SIGALRM, &sa, NULL);
  struct itimerval it = {{0, 0}, {0, 200000}};
  setitimer(ITIMER_REAL, &it, NULL);
}

static int wfd;
static void *late_writer(void *arg) {
  (void)arg;
  usleep(500000);
  write(wfd, "z", 1);
  return NULL;
}

int main(void) {
  /* The alarm must reach the main thread, not the helper. */
  arm(0);
  TIMED("sleep 3 interrupted", 0.2, sleep(3));
  arm(0);
  TIMED("poll interrupted", 0.2, poll(NULL, 0, 3000));
  arm(0);
  struct timespec req = {3, 0}, rem = {0, 0};
  TIMED("nanosleep interrupted", 0.2, nanosleep(&req, &rem));
  printf("rem about 2.8 s: %d\n", rem.tv_sec == 2);
  printf("handler runs: %d\n", (int)hits);

  int p[2];
  pipe(p);
  wfd = p[1];
  sigset_t block;
  sigemptyset(&block);
  sigaddset(&block, SIGALRM);
  pthread_sigmask(SIG_BLOCK, &block, NULL);
  pthread_t t;
  pthread_create(&t, NULL, late_writer, NULL);
  pthread_sigmask(SIG_UNBLOCK, &block, NULL);
  arm(1);
  char c;
  TIMED("read under SA_RESTART", 0.5, read(p[0], &c, 1));
  pthread_join(t, NULL);
  printf("handler runs: %d\n", (int)hits);
  return 0;
}

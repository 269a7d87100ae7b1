/* sigrestart.c — SA_RESTART decides whether a blocked read, accept, recv or
 * waitpid returns EINTR when a handler runs; SO_RCVTIMEO sockets always do.
 * What the program reads back from sigaction/signal is what it installed. */
#include "check.h"
#include <netinet/in.h>
#include <pthread.h>
#include <signal.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <sys/wait.h>
#include <unistd.h>

/* glibc declares bsd_signal only for old X/Open levels, and __sysv_signal is
 * what signal() becomes in strict ISO C (gcc -std=c11); it exports both. */
extern __sighandler_t bsd_signal(int sig, __sighandler_t handler);
extern __sighandler_t __sysv_signal(int sig, __sighandler_t handler);

static volatile sig_atomic_t hits;
static void on_alarm(int sig) {
  (void)sig;
  hits++;
}
static void on_alarm_info(int sig, siginfo_t *info, void *uctx) {
  (void)uctx;
  if (info && info->si_signo == sig) hits++;
}

static void handler(int flags, int siginfo) {
  struct sigaction sa;
  memset(&sa, 0, sizeof sa);
  if (siginfo) sa.sa_sigaction = on_alarm_info;
  else sa.sa_handler = on_alarm;
  sa.sa_flags = flags | (siginfo ? SA_SIGINFO : 0);
  if (sigaction(SIGALRM, &sa, NULL) != 0) DIE("sigaction");
}

static void alarm_in(long ms) {
  struct itimerval it = {{0, 0}, {ms / 1000, (ms % 1000) * 1000}};
  setitimer(ITIMER_REAL, &it, NULL);
}

static int wfd;
static void *late_writer(void *arg) {
  (void)arg;
  usleep(400000);
  if (write(wfd, "z", 1) != 1) return NULL;
  return NULL;
}

/* helper threads must not take SIGALRM: it is meant for the main thread */
static pthread_t start_late_writer(int fd) {
  sigset_t block, old;
  sigemptyset(&block);
  sigaddset(&block, SIGALRM);
  pthread_sigmask(SIG_BLOCK, &block, &old);
  pthread_t t;
  wfd = fd;
  pthread_create(&t, NULL, late_writer, NULL);
  pthread_sigmask(SIG_SETMASK, &old, NULL);
  return t;
}

int main(void) {
  int p[2];
  char c;
  if (pipe(p) != 0) DIE("pipe");

  handler(0, 0);
  alarm_in(150);
  TIMED("read, handler without SA_RESTART", 0.15, read(p[0], &c, 1));

  handler(0, 1);
  alarm_in(150);
  TIMED("read, SA_SIGINFO handler without SA_RESTART", 0.15, read(p[0], &c, 1));

  handler(SA_RESTART, 0);
  pthread_t t = start_late_writer(p[1]);
  alarm_in(150);
  TIMED("read, handler with SA_RESTART", 0.4, read(p[0], &c, 1));
  pthread_join(t, NULL);

  signal(SIGALRM, on_alarm); /* BSD semantics: restarts */
  t = start_late_writer(p[1]);
  alarm_in(150);
  TIMED("read, signal() handler", 0.4, read(p[0], &c, 1));
  pthread_join(t, NULL);

  bsd_signal(SIGALRM, on_alarm); /* the same as signal() */
  t = start_late_writer(p[1]);
  alarm_in(150);
  TIMED("read, bsd_signal() handler", 0.4, read(p[0], &c, 1));
  pthread_join(t, NULL);

  sysv_signal(SIGALRM, on_alarm); /* System V semantics: no restart, one delivery */
  alarm_in(150);
  TIMED("read, sysv_signal() handler", 0.15, read(p[0], &c, 1));
  struct sigaction after;
  sigaction(SIGALRM, NULL, &after);
  printf("sysv_signal: default again after one delivery: %d\n", after.sa_handler == SIG_DFL);

  __sysv_signal(SIGALRM, on_alarm);
  alarm_in(150);
  TIMED("read, strict ISO C signal() handler", 0.15, read(p[0], &c, 1));

  int ls = socket(AF_INET, SOCK_STREAM, 0);
  struct sockaddr_in a;
  memset(&a, 0, sizeof a);
  a.sin_family = AF_INET;
  a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  if (bind(ls, (struct sockaddr *)&a, sizeof a) != 0 || listen(ls, 4) != 0) DIE("listen");
  handler(0, 0);
  alarm_in(150);
  TIMED("accept, handler without SA_RESTART", 0.15, accept(ls, NULL, NULL));

  socklen_t alen = sizeof a;
  getsockname(ls, (struct sockaddr *)&a, &alen);
  int cs = socket(AF_INET, SOCK_STREAM, 0);
  if (connect(cs, (struct sockaddr *)&a, sizeof a) != 0) DIE("connect");
  int ss = accept(ls, NULL, NULL);
  struct timeval tv = {2, 0};
  setsockopt(ss, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv);
  handler(SA_RESTART, 0);
  alarm_in(150);
  TIMED("recv with SO_RCVTIMEO, handler with SA_RESTART", 0.15, recv(ss, &c, 1, 0));

  pid_t pid = fork();
  if (pid == 0) {
    usleep(400000);
    _exit(0);
  }
  int st;
  handler(0, 0);
  alarm_in(150);
  TIMED("waitpid, handler without SA_RESTART", 0.15, waitpid(pid, &st, 0));
  handler(SA_RESTART, 0);
  alarm_in(50);
  TIMED("waitpid, handler with SA_RESTART", 0.25, waitpid(pid, &st, 0) == pid);

  struct sigaction now;
  sigaction(SIGALRM, NULL, &now);
  printf("sigaction reports the program's handler: %d, SA_RESTART: %d\n", now.sa_handler == on_alarm,
         (now.sa_flags & SA_RESTART) != 0);
  printf("signal() returns the previous handler: %d\n", signal(SIGALRM, SIG_DFL) == on_alarm);
  sigaction(SIGALRM, NULL, &now);
  printf("now default: %d\n", now.sa_handler == SIG_DFL);

  struct sigaction once;
  memset(&once, 0, sizeof once);
  once.sa_handler = on_alarm;
  once.sa_flags = SA_RESETHAND;
  sigaction(SIGALRM, &once, NULL);
  raise(SIGALRM);
  sigaction(SIGALRM, NULL, &now);
  printf("SA_RESETHAND: default again after one delivery: %d\n", now.sa_handler == SIG_DFL);
  printf("handler runs: %d\n", (int)hits);
  close(cs);
  close(ss);
  close(ls);
  return 0;
}

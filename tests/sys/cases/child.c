/* child.c — issue 17: system() and pclose() wait for their child while the
 * other threads keep running; system()'s signal handling stays glibc's
 * (SIGINT ignored while it runs, the program's action back afterwards). */
#define _GNU_SOURCE
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "ticker.h"

static volatile sig_atomic_t got_int;
static void on_int(int sig) {
  (void)sig;
  got_int = 1;
}

static double now_s(void) {
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static void report(const char* what, int status, double t0, long ticks) {
  printf("%s: exit %d, waited for the child: %s, ticker ran: %s\n", what, WIFEXITED(status) ? WEXITSTATUS(status) : -1,
         now_s() - t0 > 0.2 ? "yes" : "no", ticked(ticks));
}

int main(void) {
  struct sigaction sa;
  memset(&sa, 0, sizeof sa);
  sa.sa_handler = on_int;
  sigaction(SIGINT, &sa, NULL);
  ticker_start();

  long ticks = ticker_ticks();
  double t0 = now_s();
  report("system(\"sleep 0.4\")", system("sleep 0.4"), t0, ticks);
  printf("system(NULL): %d\n", system(NULL));
  int st = system("exit 3");
  printf("system(\"exit 3\"): exit %d\n", WEXITSTATUS(st));
  st = system("kill -INT $PPID; sleep 0.1");
  printf("SIGINT to the caller during system(): handler ran: %s, exit %d\n", got_int ? "yes" : "no", WEXITSTATUS(st));
  struct sigaction now;
  sigaction(SIGINT, NULL, &now);
  printf("SIGINT action after system(): %s\n", now.sa_handler == on_int ? "the program's" : "changed");
  sigset_t mask;
  sigprocmask(SIG_BLOCK, NULL, &mask);
  printf("SIGCHLD blocked after system(): %s\n", sigismember(&mask, SIGCHLD) ? "yes" : "no");

  fflush(stdout);
  FILE* f = popen("sleep 0.4", "r");
  ticks = ticker_ticks();
  t0 = now_s();
  report("popen(\"sleep 0.4\") + pclose", pclose(f), t0, ticks);

  f = popen("cat >/dev/null; sleep 0.3; exit 5", "w");
  fputs("some data for cat\n", f);
  ticks = ticker_ticks();
  t0 = now_s();
  report("popen(\"cat ...; exit 5\", \"w\") + pclose", pclose(f), t0, ticks);

  f = popen("echo hello from the child", "r");
  char line[64] = "";
  if (!fgets(line, sizeof line, f)) strcpy(line, "(nothing)\n");
  printf("popen read: %s", line);
  printf("pclose: exit %d\n", WEXITSTATUS(pclose(f)));

  f = fopen("/dev/null", "r");
  printf("pclose of a stream popen did not make: %d\n", pclose(f));
  ticker_stop();
  return 0;
}

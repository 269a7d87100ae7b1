/* sigsuspend.c — issue 17: sigsuspend and pause wait for a handler without
 * stopping the other threads. The classic pattern (block the signal, test a
 * flag, sigsuspend with the old mask) with the signal sent later by another
 * thread and with one already pending; pause() until a handler runs. */
#define _GNU_SOURCE
#include <errno.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "ticker.h"

static volatile sig_atomic_t got_usr1, got_usr2;
static void on_usr1(int sig) {
  (void)sig;
  got_usr1 = 1;
}
static void on_usr2(int sig) {
  (void)sig;
  got_usr2 = 1;
}

static double now_s(void) {
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static void* sender(void* arg) {
  usleep(200000);
  kill(getpid(), (int)(long)arg);
  return NULL;
}

static void send_later(int sig) {
  pthread_t t;
  pthread_create(&t, NULL, sender, (void*)(long)sig);
  pthread_detach(t);
}

static void report(const char* what, int r, int e, double t0, long ticks) {
  printf("%s: %d %s, waited: %s, ticker ran: %s\n", what, r, r < 0 ? strerrorname_np(e) : "",
         now_s() - t0 > 0.1 ? "yes" : "no", ticked(ticks));
  fflush(stdout);
}

int main(void) {
  struct sigaction sa;
  memset(&sa, 0, sizeof sa);
  sa.sa_handler = on_usr1;
  sigaction(SIGUSR1, &sa, NULL);
  sa.sa_handler = on_usr2;
  sigaction(SIGUSR2, &sa, NULL);
  /* Every thread made from here on blocks both: the kernel delivers the
   * process-directed signals to the main thread, the only one that lets them
   * through (in sigsuspend and pause). */
  sigset_t both, old;
  sigemptyset(&both);
  sigaddset(&both, SIGUSR1);
  sigaddset(&both, SIGUSR2);
  pthread_sigmask(SIG_BLOCK, &both, &old);
  ticker_start();

  /* The classic pattern: the signal comes while the thread is suspended. */
  send_later(SIGUSR1);
  long t = ticker_ticks();
  double t0 = now_s();
  int r = 0, e = 0;
  while (!got_usr1) {
    r = sigsuspend(&old);
    e = errno;
  }
  report("sigsuspend until another thread sends SIGUSR1", r, e, t0, t);

  /* Already pending when sigsuspend starts: it returns at once. */
  got_usr1 = 0;
  raise(SIGUSR1);
  t0 = now_s();
  r = sigsuspend(&old);
  printf("sigsuspend with SIGUSR1 pending: %d %s, handler ran: %s, at once: %s\n", r, strerrorname_np(errno),
         got_usr1 ? "yes" : "no", now_s() - t0 < 0.1 ? "yes" : "no");

  /* A mask that still blocks SIGUSR2: only SIGUSR1 ends the wait; SIGUSR2
   * stays pending until the mask comes back. */
  got_usr1 = got_usr2 = 0;
  sigset_t usr2_only = old;
  sigaddset(&usr2_only, SIGUSR2);
  raise(SIGUSR2);
  send_later(SIGUSR1);
  t = ticker_ticks();
  t0 = now_s();
  r = sigsuspend(&usr2_only);
  e = errno;
  report("sigsuspend with SIGUSR2 pending but masked", r, e, t0, t);
  printf("SIGUSR1 handler ran: %s, SIGUSR2 handler ran: %s\n", got_usr1 ? "yes" : "no", got_usr2 ? "yes" : "no");
  sigset_t pending;
  sigpending(&pending);
  printf("SIGUSR2 still pending: %s\n", sigismember(&pending, SIGUSR2) ? "yes" : "no");
  pthread_sigmask(SIG_UNBLOCK, &both, NULL); /* SIGUSR2's handler runs now */
  printf("after unblocking, SIGUSR2 handler ran: %s\n", got_usr2 ? "yes" : "no");

  /* pause until a handler runs: SIGUSR2 unblocked in this thread only. */
  got_usr2 = 0;
  send_later(SIGUSR2);
  t = ticker_ticks();
  t0 = now_s();
  r = pause();
  e = errno;
  report("pause until another thread sends SIGUSR2", r, e, t0, t);
  printf("SIGUSR2 handler ran: %s\n", got_usr2 ? "yes" : "no");

  ticker_stop();
  return 0;
}

/* sigwait.c — issue 17: the daemon layout (signals blocked in every thread,
 * one thread in sigwait) and sigtimedwait with a timeout and with a signal
 * another thread sends. The other threads keep running meanwhile. */
#define _GNU_SOURCE
#include <errno.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "ticker.h"

static double now_s(void) {
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static void* signal_thread(void* arg) {
  (void)arg;
  sigset_t set;
  sigemptyset(&set);
  sigaddset(&set, SIGUSR1);
  sigaddset(&set, SIGTERM);
  for (int i = 0; i < 10; ++i) {
    int sig = 0;
    int r = sigwait(&set, &sig);
    printf("signal thread: sigwait %d, %s\n", r, sigabbrev_np(sig));
    fflush(stdout);
    if (sig == SIGTERM) break;
  }
  return NULL;
}

static void* sender(void* arg) {
  usleep(150000);
  kill(getpid(), (int)(long)arg);
  return NULL;
}

int main(void) {
  sigset_t all;
  sigemptyset(&all);
  sigaddset(&all, SIGUSR1);
  sigaddset(&all, SIGUSR2);
  sigaddset(&all, SIGTERM);
  pthread_sigmask(SIG_BLOCK, &all, NULL);
  ticker_start();

  sigset_t usr2;
  sigemptyset(&usr2);
  sigaddset(&usr2, SIGUSR2);
  struct timespec timeout = {0, 200000000};
  long t = ticker_ticks();
  double t0 = now_s();
  errno = 0;
  int r = sigtimedwait(&usr2, NULL, &timeout);
  double took = now_s() - t0;
  printf("sigtimedwait, nothing sent: %d %s, %s, ticker ran: %s\n", r, strerrorname_np(errno),
         took < 0.18  ? "early"
         : took > 1.5 ? "late"
                      : "on time",
         ticked(t));

  pthread_t s;
  pthread_create(&s, NULL, sender, (void*)(long)SIGUSR2);
  timeout.tv_sec = 10;
  t = ticker_ticks();
  t0 = now_s();
  siginfo_t info;
  memset(&info, 0, sizeof info);
  r = sigtimedwait(&usr2, &info, &timeout);
  took = now_s() - t0;
  printf("sigtimedwait, sent by another thread: %s, from this process: %s, before the timeout: %s, ticker ran: %s\n",
         r > 0 ? sigabbrev_np(r) : "none", info.si_code == SI_USER && info.si_pid == getpid() ? "yes" : "no",
         took < 5 ? "yes" : "no", ticked(t));
  pthread_join(s, NULL);

  raise(SIGUSR2);
  memset(&info, 0, sizeof info);
  r = sigwaitinfo(&usr2, &info);
  printf("sigwaitinfo, already pending: %s, si_signo %s\n", r > 0 ? sigabbrev_np(r) : "none",
         sigabbrev_np(info.si_signo));

  timeout.tv_sec = 0;
  timeout.tv_nsec = 1000000000;
  errno = 0;
  r = sigtimedwait(&usr2, NULL, &timeout);
  printf("sigtimedwait, bad timeout: %d %s\n", r, strerrorname_np(errno));

  pthread_t st;
  pthread_create(&st, NULL, signal_thread, NULL);
  usleep(100000);
  kill(getpid(), SIGUSR1);
  usleep(100000);
  t = ticker_ticks();
  kill(getpid(), SIGTERM);
  pthread_join(st, NULL);
  printf("daemon layout done\n");
  ticker_stop();
  return 0;
}

/* close_range and closefrom close fds behind close()'s back: a blocking read
 * on a socket, the socket closed with them, then an fd green never sees
 * created (timerfd) under the same number and read — natively the read
 * returns when the timer expires, and so must it under green (the number's
 * old epoll registration must not be taken for the new file's). */
#define _GNU_SOURCE
#include "check.h"
#include <pthread.h>
#include <stdint.h>
#include <sys/socket.h>
#include <sys/timerfd.h>
#include <unistd.h>

static int peer;

static void *write_later(void *arg) {
  (void)arg;
  struct timespec ts = {0, 50000000};
  nanosleep(&ts, NULL);
  if (write(peer, "x", 1) != 1) DIE("write");
  return NULL;
}

/* A socket read that parks until another thread writes, leaving the socket's
 * number registered with the hub; returns the number. */
static int read_a_socket(const char *label, int *other) {
  int sv[2];
  if (socketpair(AF_UNIX, SOCK_STREAM, 0, sv)) DIE("socketpair");
  peer = sv[1];
  *other = sv[1];
  pthread_t t;
  if (pthread_create(&t, NULL, write_later, NULL)) DIE("pthread_create");
  char c;
  TIMED(label, 0.05, read(sv[0], &c, 1));
  pthread_join(t, NULL);
  return sv[0];
}

/* A timerfd (created by no hooked call) under `want`, read blocking. */
static void read_a_timer(const char *label, int want) {
  int tfd = timerfd_create(CLOCK_MONOTONIC, TFD_CLOEXEC);
  printf("%s: timerfd reuses the number: %s\n", label, tfd == want ? "yes" : "no");
  struct itimerspec its = {{0, 0}, {0, 100000000}};
  if (timerfd_settime(tfd, 0, &its, NULL)) DIE("timerfd_settime");
  uint64_t n = 0;
  TIMED(label, 0.1, read(tfd, &n, sizeof n));
  printf("%s: expirations %llu\n", label, (unsigned long long)n);
  close(tfd);
}

int main(void) {
  /* Under green this makes the main thread's hub first (its fds live at the
   * top of the fd range and closefrom leaves them open: fd_sweep.c tests
   * that), so the sockets below are the hub's first. Natively: a short sleep. */
  usleep(1000);
  int other;
  int fd = read_a_socket("read before close_range", &other);
  SHOW("close_range", close_range((unsigned)fd, (unsigned)other, 0));
  read_a_timer("timer read after close_range", fd);

  fd = read_a_socket("read before closefrom", &other);
  closefrom(fd);
  printf("closefrom: done\n");
  read_a_timer("timer read after closefrom", fd);
  return 0;
}

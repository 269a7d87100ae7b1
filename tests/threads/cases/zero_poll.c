/* zero_poll.c — a thread that polls with a zero timeout, in a loop, until
 * another thread sets a flag (redis-benchmark --threads does this: its event
 * loop polls an always-writable socket until the other thread has read the
 * last replies). Natively the other thread runs on its own; as green threads
 * the zero-timeout poll must be a switch point, or the setter never runs and
 * the poller spins forever. poll, epoll_wait and select in turn; the fd is
 * always writable, so each call returns at once with an event. */
#define _GNU_SOURCE
#include <poll.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <sys/epoll.h>
#include <sys/select.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include "mono_clock.h"
#include "os_threads.h"

static atomic_int flag;

static void* setter(void* arg) {
  (void)arg;
  usleep(50000);
  note_os_threads("zero_poll.setter");
  atomic_store(&flag, 1);
  return NULL;
}

/* spin: call `once` (one zero-timeout poll, returns how many fds were ready)
 * until the setter's flag is seen; gives up after 5 s. */
static int spin(const char* what, int (*once)(int), int fd) {
  atomic_store(&flag, 0);
  pthread_t t;
  if (pthread_create(&t, NULL, setter, NULL) != 0) return 1;
  const double start = mono_now();
  long calls = 0;
  int ready_every_time = 1;
  while (!atomic_load(&flag)) {
    if (once(fd) != 1) ready_every_time = 0;
    if (++calls % 1024 == 0 && mono_now() - start > 5) {
      printf("%s: gave up after 5 s: the thread that sets the flag never ran\n", what);
      return 1;
    }
  }
  pthread_join(t, NULL);
  printf("%s: flag seen, the fd was ready on every call: %s\n", what, ready_every_time ? "yes" : "no");
  return 0;
}

static int by_poll(int fd) {
  struct pollfd p = {.fd = fd, .events = POLLOUT};
  return poll(&p, 1, 0);
}

static int epfd = -1;
static int by_epoll(int fd) {
  (void)fd;
  struct epoll_event ev;
  return epoll_wait(epfd, &ev, 1, 0);
}

static int by_select(int fd) {
  fd_set w;
  FD_ZERO(&w);
  FD_SET(fd, &w);
  struct timeval tv = {0, 0};
  return select(fd + 1, NULL, &w, NULL, &tv);
}

int main(void) {
  int sv[2];
  if (socketpair(AF_UNIX, SOCK_STREAM, 0, sv) != 0) return 1;
  epfd = epoll_create1(EPOLL_CLOEXEC);
  struct epoll_event ev = {.events = EPOLLOUT, .data.fd = sv[0]};
  if (epfd < 0 || epoll_ctl(epfd, EPOLL_CTL_ADD, sv[0], &ev) != 0) return 1;
  return spin("poll", by_poll, sv[0]) || spin("epoll_wait", by_epoll, sv[0]) || spin("select", by_select, sv[0]);
}

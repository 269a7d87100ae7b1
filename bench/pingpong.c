/* pingpong — socket ping-pong over a socketpair, in plain blocking C.
 *
 *   pingpong threads N   two pthreads, blocking read/write (the anchor; under
 *                        `green-run --threads` the same code runs on greenlets)
 *   pingpong green N     two greenlets (green_spawn) doing the same blocking
 *                        read/write; meant to run under libgreen_preload.so,
 *                        which makes the calls cooperative
 *   pingpong epoll N     the hand-written limit: one thread, non-blocking ends,
 *                        one epoll set
 *
 * One round trip = a 64-byte message there and back. Prints
 * "<mode> <ns per round trip>". */
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include "green/green_c.h"

enum { kMsg = 64 };
static long rounds;
static int ends[2];

static double now_ns(void) {
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return (double)ts.tv_sec * 1e9 + (double)ts.tv_nsec;
}

static void must(int ok, const char *what) {
  if (!ok) {
    perror(what);
    exit(1);
  }
}

static void read_full(int fd, char *p) {
  size_t got = 0;
  while (got < kMsg) {
    ssize_t r = read(fd, p + got, kMsg - got);
    if (r < 0 && errno == EINTR) continue;
    must(r > 0, "pingpong: read");
    got += (size_t)r;
  }
}

static void write_full(int fd, const char *p) {
  ssize_t w = write(fd, p, kMsg);
  must(w == kMsg, "pingpong: write");
}

/* The two sides, the same code for threads and greenlets. */
static void *pinger(void *arg) {
  (void)arg;
  char buf[kMsg] = {1};
  for (long i = 0; i < rounds; ++i) {
    write_full(ends[0], buf);
    read_full(ends[0], buf);
  }
  return NULL;
}

static void *ponger(void *arg) {
  (void)arg;
  char buf[kMsg];
  for (long i = 0; i < rounds; ++i) {
    read_full(ends[1], buf);
    write_full(ends[1], buf);
  }
  return NULL;
}

static void run_threads(void) {
  pthread_t a, b;
  must(pthread_create(&b, NULL, ponger, NULL) == 0, "pingpong: pthread_create");
  must(pthread_create(&a, NULL, pinger, NULL) == 0, "pingpong: pthread_create");
  pthread_join(a, NULL);
  pthread_join(b, NULL);
}

static void run_green(void) {
  green_greenlet_t *b = green_spawn(ponger, NULL);
  green_greenlet_t *a = green_spawn(pinger, NULL);
  must(b && a, "pingpong: green_spawn");
  must(green_join(a, -1) == 0 && green_join(b, -1) == 0, "pingpong: green_join");
  green_release(a);
  green_release(b);
}

/* One thread drives both ends: write the ping, wait until the other end can
 * read it, read and answer, wait for the answer, read it. */
static void run_epoll(void) {
  for (int i = 0; i < 2; ++i) fcntl(ends[i], F_SETFL, fcntl(ends[i], F_GETFL) | O_NONBLOCK);
  int ep = epoll_create1(0);
  must(ep >= 0, "pingpong: epoll_create1");
  for (int i = 0; i < 2; ++i) {
    struct epoll_event ev = {.events = EPOLLIN, .data.u32 = (unsigned)i};
    must(epoll_ctl(ep, EPOLL_CTL_ADD, ends[i], &ev) == 0, "pingpong: epoll_ctl");
  }
  char buf[kMsg] = {1};
  long done = 0;
  write_full(ends[0], buf);
  while (done < rounds) {
    struct epoll_event evs[2];
    int n = epoll_wait(ep, evs, 2, -1);
    for (int i = 0; i < n; ++i) {
      int side = (int)evs[i].data.u32;
      ssize_t r = read(ends[side], buf, kMsg);
      if (r < 0 && errno == EAGAIN) continue;
      must(r == kMsg, "pingpong: read");
      if (side == 1) {
        write_full(ends[1], buf);
      } else if (++done < rounds) {
        write_full(ends[0], buf);
      }
    }
  }
  close(ep);
}

int main(int argc, char **argv) {
  if (argc != 3 || (rounds = atol(argv[2])) <= 0) {
    fprintf(stderr, "usage: %s threads|green|epoll ROUNDS\n", argv[0]);
    return 2;
  }
  must(socketpair(AF_UNIX, SOCK_STREAM, 0, ends) == 0, "pingpong: socketpair");
  double t0 = now_ns();
  if (strcmp(argv[1], "threads") == 0) {
    run_threads();
  } else if (strcmp(argv[1], "green") == 0) {
    run_green();
  } else if (strcmp(argv[1], "epoll") == 0) {
    run_epoll();
  } else {
    fprintf(stderr, "pingpong: unknown mode %s (threads, green or epoll)\n", argv[1]);
    return 2;
  }
  printf("%s %.1f\n", argv[1], (now_ns() - t0) / (double)rounds);
  return 0;
}

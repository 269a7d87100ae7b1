/* fifo.c — issue 17: opening a FIFO waits for the other end; another thread
 * arrives 0.3 s later. Both directions: a reader waiting for a writer and a
 * writer waiting for a reader. The ticker runs during each wait. */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "ticker.h"

static char path[256];

static double now_s(void) {
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static void* late_writer(void* arg) {
  (void)arg;
  usleep(300000);
  int fd = open(path, O_WRONLY);
  if (write(fd, "from the writer\n", 16) != 16) return NULL;
  close(fd);
  return NULL;
}

static void* late_reader(void* arg) {
  (void)arg;
  usleep(300000);
  int fd = open(path, O_RDONLY);
  char buf[64] = "";
  ssize_t n = read(fd, buf, sizeof buf - 1);
  close(fd);
  printf("reader got: %.*s", (int)(n > 0 ? n : 0), buf);
  return NULL;
}

int main(void) {
  const char* dir = getenv("TMPDIR");
  char tmpl[200];
  snprintf(tmpl, sizeof tmpl, "%s/green-fifo-XXXXXX", dir && *dir ? dir : "/tmp");
  if (!mkdtemp(tmpl)) return 1;
  snprintf(path, sizeof path, "%s/fifo", tmpl);
  if (mkfifo(path, 0600) != 0) return 1;
  ticker_start();

  printf("O_WRONLY|O_NONBLOCK without a reader: %s\n",
         open(path, O_WRONLY | O_NONBLOCK) < 0 ? strerrorname_np(errno) : "opened");
  pthread_t t;
  pthread_create(&t, NULL, late_writer, NULL);
  long ticks = ticker_ticks();
  double t0 = now_s();
  int fd = open(path, O_RDONLY);
  printf("reader open: %s, waited for the writer: %s, ticker ran: %s\n", fd >= 0 ? "ok" : strerrorname_np(errno),
         now_s() - t0 > 0.2 ? "yes" : "no", ticked(ticks));
  int fl = fcntl(fd, F_GETFL);
  printf("reader's O_NONBLOCK: %s\n", fl & O_NONBLOCK ? "set" : "clear");
  char buf[64] = "";
  ssize_t n = read(fd, buf, sizeof buf - 1);
  printf("read: %.*s", (int)(n > 0 ? n : 0), buf);
  close(fd);
  pthread_join(t, NULL);

  fflush(stdout);
  pthread_create(&t, NULL, late_reader, NULL);
  ticks = ticker_ticks();
  t0 = now_s();
  fd = openat(AT_FDCWD, path, O_WRONLY);
  printf("writer open: %s, waited for the reader: %s, ticker ran: %s\n", fd >= 0 ? "ok" : strerrorname_np(errno),
         now_s() - t0 > 0.2 ? "yes" : "no", ticked(ticks));
  fl = fcntl(fd, F_GETFL);
  printf("writer's O_NONBLOCK: %s\n", fl & O_NONBLOCK ? "set" : "clear");
  fflush(stdout);
  if (write(fd, "from the writer\n", 16) != 16) return 1;
  close(fd);
  pthread_join(t, NULL);

  printf("open of a missing path: %s\n", open("/nonexistent/green", O_RDONLY) < 0 ? strerrorname_np(errno) : "?");
  unlink(path);
  rmdir(tmpl);
  ticker_stop();
  return 0;
}

/* 8 MiB through a socketpair and a pipe: blocking writes complete (a reader
 * thread drains them), non-blocking ones are partial. */
#include "check.h"
#include <fcntl.h>
#include <pthread.h>
#include <sys/socket.h>
#include <unistd.h>

#define BIG (8u << 20)
static unsigned char data[BIG];

struct reader {
  int fd;
  size_t got;
  unsigned sum;
};

static void *drain(void *arg) {
  struct reader *r = arg;
  static unsigned char buf[65536];
  for (;;) {
    ssize_t n = read(r->fd, buf, sizeof buf);
    if (n <= 0) break;
    for (ssize_t i = 0; i < n; ++i) r->sum = r->sum * 31 + buf[i];
    r->got += (size_t)n;
  }
  return NULL;
}

static void through(const char *what, int w, int rd) {
  struct reader r = {rd, 0, 0};
  pthread_t t;
  pthread_create(&t, NULL, drain, &r);
  SHOW(what, write(w, data, BIG));
  close(w);
  pthread_join(t, NULL);
  unsigned sum = 0;
  for (size_t i = 0; i < BIG; ++i) sum = sum * 31 + data[i];
  printf("%s: reader got %zu, checksum %s\n", what, r.got, r.sum == sum ? "matches" : "differs");
  close(rd);
}

int main(void) {
  for (size_t i = 0; i < BIG; ++i) data[i] = (unsigned char)(i * 7 + (i >> 12));
  int sv[2], p[2];
  socketpair(AF_UNIX, SOCK_STREAM, 0, sv);
  through("socketpair write 8 MiB", sv[0], sv[1]);
  pipe(p);
  through("pipe write 8 MiB", p[1], p[0]);

  socketpair(AF_UNIX, SOCK_STREAM, 0, sv);
  fcntl(sv[0], F_SETFL, O_NONBLOCK);
  ssize_t n = write(sv[0], data, BIG);
  printf("non-blocking write 8 MiB: %s\n", n > 0 && n < (ssize_t)BIG ? "partial" : "not partial");
  SHOW("next write", write(sv[0], data, BIG));
  return 0;
}

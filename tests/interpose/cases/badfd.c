/* EBADF on never-opened fds, fd reuse after close, invalid arguments. */
#include "check.h"
#include <fcntl.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

int main(void) {
  char buf[8];
  SHOW("read 777", read(777, buf, sizeof buf));
  SHOW("write 777", write(777, buf, 1));
  SHOW("recv 777", recv(777, buf, sizeof buf, 0));
  SHOW("send 777", send(777, buf, 1, 0));
  SHOW("accept 777", accept(777, NULL, NULL));
  SHOW("connect 777", connect(777, NULL, 0));
  SHOW("close 777", close(777));
  SHOW("fcntl 777", fcntl(777, F_GETFL));
  SHOW("dup2 777", dup2(777, 778));
  SHOW("read -1", read(-1, buf, sizeof buf));

  int p[2];
  pipe(p);
  /* The wrong end of a pipe: EBADF at once. Under green these waited forever
   * for a readiness that never comes (found by tests/fuzz). */
  SHOW("read pipe's write end", read(p[1], buf, sizeof buf));
  SHOW("write pipe's read end", write(p[0], "x", 1));
  int old = p[0];
  close(p[0]);
  close(p[1]);
  SHOW("read closed fd", read(old, buf, sizeof buf));
  int sv[2];
  socketpair(AF_UNIX, SOCK_STREAM, 0, sv);
  printf("fd reused: %d\n", sv[0] == old || sv[1] == old);
  write(sv[1], "new", 3);
  SHOW("read reused fd", read(sv[0], buf, sizeof buf));
  int f = open("/dev/null", O_RDONLY);
  close(sv[0]);
  int g = dup2(f, sv[0]);
  SHOW("read /dev/null on reused number", read(g, buf, sizeof buf));

  struct timespec bad = {0, 2000000000L};
  SHOW("nanosleep EINVAL", nanosleep(&bad, NULL));
  printf("clock_nanosleep EINVAL: %s\n", err_name(clock_nanosleep(CLOCK_MONOTONIC, 0, &bad, NULL)));
  struct timespec ok = {0, 1000000};
  printf("clock_nanosleep bad clock: %s\n", err_name(clock_nanosleep(CLOCK_THREAD_CPUTIME_ID, 0, &ok, NULL)));
  struct timespec abs;
  clock_gettime(CLOCK_MONOTONIC, &abs);
  abs.tv_nsec += 100000000;
  if (abs.tv_nsec >= 1000000000L) {
    abs.tv_sec++;
    abs.tv_nsec -= 1000000000L;
  }
  TIMED("clock_nanosleep TIMER_ABSTIME", 0.1, clock_nanosleep(CLOCK_MONOTONIC, TIMER_ABSTIME, &abs, NULL));
  TIMED("usleep 100 ms", 0.1, usleep(100000));
  TIMED("sleep 1", 1.0, sleep(1));
  return 0;
}

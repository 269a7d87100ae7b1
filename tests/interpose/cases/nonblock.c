/* The user's O_NONBLOCK: EAGAIN at once, and F_GETFL reports only what the
 * user set. */
#include "check.h"
#include <fcntl.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <unistd.h>

int main(void) {
  int sv[2], p[2];
  char buf[8];
  if (socketpair(AF_UNIX, SOCK_STREAM, 0, sv) || pipe(p)) DIE("setup");
  printf("socket nonblock at start: %d\n", (fcntl(sv[0], F_GETFL) & O_NONBLOCK) != 0);
  printf("pipe nonblock at start: %d\n", (fcntl(p[0], F_GETFL) & O_NONBLOCK) != 0);
  SHOW("F_SETFL O_NONBLOCK", fcntl(sv[0], F_SETFL, fcntl(sv[0], F_GETFL) | O_NONBLOCK));
  printf("socket nonblock now: %d\n", (fcntl(sv[0], F_GETFL) & O_NONBLOCK) != 0);
  TIMED("recv", 0, recv(sv[0], buf, sizeof buf, 0));
  TIMED("read", 0, read(sv[0], buf, sizeof buf));
  SHOW("F_SETFL blocking", fcntl(sv[0], F_SETFL, fcntl(sv[0], F_GETFL) & ~O_NONBLOCK));
  printf("socket nonblock after clear: %d\n", (fcntl(sv[0], F_GETFL) & O_NONBLOCK) != 0);

  int on = 1;
  SHOW("FIONBIO on pipe", ioctl(p[0], FIONBIO, &on));
  printf("pipe nonblock now: %d\n", (fcntl(p[0], F_GETFL) & O_NONBLOCK) != 0);
  TIMED("pipe read", 0, read(p[0], buf, sizeof buf));
  int q[2];
  SHOW("pipe2 O_NONBLOCK", pipe2(q, O_NONBLOCK));
  TIMED("pipe2 read", 0, read(q[0], buf, sizeof buf));
  TIMED("recv MSG_DONTWAIT", 0, recv(sv[1], buf, sizeof buf, MSG_DONTWAIT));
  int d = dup(sv[1]);
  fcntl(d, F_SETFL, O_NONBLOCK);
  printf("dup shares O_NONBLOCK: %d\n", (fcntl(sv[1], F_GETFL) & O_NONBLOCK) != 0);
  TIMED("recv via original", 0, recv(sv[1], buf, sizeof buf, 0));
  return 0;
}

/* connect: refused, success, and peer reset. */
#include "check.h"
#include <netinet/in.h>
#include <signal.h>
#include <sys/socket.h>
#include <unistd.h>

static struct sockaddr_in loopback(int port) {
  struct sockaddr_in a = {.sin_family = AF_INET, .sin_port = htons(port), .sin_addr.s_addr = htonl(INADDR_LOOPBACK)};
  return a;
}

int main(void) {
  /* A port nobody listens on: bind one, read its number, close it. */
  int t = socket(AF_INET, SOCK_STREAM, 0);
  struct sockaddr_in a = loopback(0);
  socklen_t len = sizeof a;
  bind(t, (struct sockaddr *)&a, len);
  getsockname(t, (struct sockaddr *)&a, &len);
  close(t);
  int c = socket(AF_INET, SOCK_STREAM, 0);
  SHOW("connect to closed port", connect(c, (struct sockaddr *)&a, sizeof a));
  int err = -1;
  len = sizeof err;
  getsockopt(c, SOL_SOCKET, SO_ERROR, &err, &len);
  printf("SO_ERROR after: %d\n", err);
  close(c);

  int ls = socket(AF_INET, SOCK_STREAM, 0);
  a = loopback(0);
  len = sizeof a;
  bind(ls, (struct sockaddr *)&a, len);
  listen(ls, 4);
  getsockname(ls, (struct sockaddr *)&a, &len);
  c = socket(AF_INET, SOCK_STREAM, 0);
  SHOW("connect to listener", connect(c, (struct sockaddr *)&a, sizeof a));
  SHOW("connect again", connect(c, (struct sockaddr *)&a, sizeof a));
  int s = accept(ls, NULL, NULL);
  printf("accept: %s\n", s >= 0 ? "ok" : err_name(errno));

  /* Peer reset: the accepted side closes with SO_LINGER 0 (sends RST). */
  struct linger lg = {1, 0};
  setsockopt(s, SOL_SOCKET, SO_LINGER, &lg, sizeof lg);
  write(c, "data", 4);
  close(s);
  usleep(50000);
  char buf[8];
  SHOW("read after reset", read(c, buf, sizeof buf));
  SHOW("read again", read(c, buf, sizeof buf));
  close(c);

  /* EPIPE with SIGPIPE ignored. */
  signal(SIGPIPE, SIG_IGN);
  int sv[2];
  socketpair(AF_UNIX, SOCK_STREAM, 0, sv);
  close(sv[1]);
  SHOW("write to closed socketpair", write(sv[0], "x", 1));
  SHOW("send to closed socketpair", send(sv[0], "x", 1, 0));
  int p[2];
  pipe(p);
  close(p[0]);
  SHOW("write to closed pipe", write(p[1], "x", 1));
  return 0;
}

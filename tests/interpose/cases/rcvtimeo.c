/* SO_RCVTIMEO / SO_SNDTIMEO are honoured exactly; accept times out too. */
#include "check.h"
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

int main(void) {
  int sv[2];
  if (socketpair(AF_UNIX, SOCK_STREAM, 0, sv)) DIE("socketpair");
  struct timeval tv = {0, 300000};
  SHOW("setsockopt rcvtimeo", setsockopt(sv[0], SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv));
  struct timeval got = {0, 0};
  socklen_t len = sizeof got;
  getsockopt(sv[0], SOL_SOCKET, SO_RCVTIMEO, &got, &len);
  printf("getsockopt rcvtimeo: %ld.%06ld\n", (long)got.tv_sec, (long)got.tv_usec);
  char buf[16];
  TIMED("recv", 0.3, recv(sv[0], buf, sizeof buf, 0));
  TIMED("read", 0.3, read(sv[0], buf, sizeof buf));
  write(sv[1], "x", 1);
  TIMED("read with data", 0, read(sv[0], buf, sizeof buf));

  /* Fill the send buffer, then a timed-out blocking send. */
  struct timeval stv = {0, 200000};
  setsockopt(sv[1], SOL_SOCKET, SO_SNDTIMEO, &stv, sizeof stv);
  static char big[1 << 16];
  long total = 0;
  for (int i = 0; i < 1000; ++i) {
    ssize_t n = send(sv[1], big, sizeof big, MSG_DONTWAIT);
    if (n <= 0) break;
    total += n;
  }
  printf("filled: %s\n", total > 0 ? "yes" : "no");
  TIMED("send on full socket", 0.2, send(sv[1], big, 100, 0));

  int ls = socket(AF_INET, SOCK_STREAM, 0);
  struct sockaddr_in a = {.sin_family = AF_INET, .sin_addr.s_addr = htonl(INADDR_LOOPBACK)};
  bind(ls, (struct sockaddr *)&a, sizeof a);
  listen(ls, 4);
  setsockopt(ls, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv);
  TIMED("accept", 0.3, accept(ls, NULL, NULL));
  return 0;
}

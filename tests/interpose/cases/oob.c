/* oob: urgent data (MSG_OOB) on a socket whose last read had to wait. Under
 * the preload such a socket's next plain read waits for readiness before
 * trying (docs/interposition.md), but urgent data never makes a socket
 * readable: recv(MSG_OOB) must still try at once — EINVAL when there is no
 * urgent byte, the byte once poll says POLLPRI. (A review found it waiting
 * for ordinary data instead.) */
#include "check.h"
#include <netinet/in.h>
#include <poll.h>
#include <pthread.h>
#include <sys/select.h>
#include <sys/socket.h>
#include <unistd.h>

static int a, b;

static void *peer(void *arg) {
  (void)arg;
  usleep(20000);
  write(b, "x", 1); /* ends main's first read, which had to wait */
  usleep(20000);
  send(b, "!", 1, MSG_OOB);
  return NULL;
}

int main(void) {
  int ls = socket(AF_INET, SOCK_STREAM, 0);
  struct sockaddr_in addr = {.sin_family = AF_INET, .sin_addr.s_addr = htonl(INADDR_LOOPBACK)};
  socklen_t len = sizeof addr;
  bind(ls, (struct sockaddr *)&addr, len);
  listen(ls, 1);
  getsockname(ls, (struct sockaddr *)&addr, &len);
  a = socket(AF_INET, SOCK_STREAM, 0);
  if (connect(a, (struct sockaddr *)&addr, sizeof addr) != 0) return 1;
  b = accept(ls, NULL, NULL);
  pthread_t t;
  pthread_create(&t, NULL, peer, NULL);
  char c = 0;
  SHOW("read that waits", read(a, &c, 1));
  printf("got: %c\n", c);
  SHOW("recv MSG_OOB, none sent yet", recv(a, &c, 1, MSG_OOB));
  struct pollfd p = {.fd = a, .events = POLLPRI};
  double t0 = now_s();
  SHOW("poll POLLPRI", poll(&p, 1, 5000));
  /* The byte comes 20 ms after the read: a poll woken only by its 5 s
   * timeout is wrong (the hub's epoll does not watch urgent data). */
  printf("poll POLLPRI woke before its timeout: %s\n", now_s() - t0 < 2.5 ? "yes" : "no");
  p.revents = 0;
  fd_set ex;
  FD_ZERO(&ex);
  FD_SET(a, &ex);
  struct timeval tv = {5, 0};
  SHOW("select exceptfds, the byte still there", select(a + 1, NULL, NULL, &ex, &tv));
  SHOW("recv MSG_OOB", recv(a, &c, 1, MSG_OOB));
  printf("urgent: %c\n", c);
  pthread_join(t, NULL);
  return 0;
}

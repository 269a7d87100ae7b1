/* O_NONBLOCK and SO_RCVTIMEO changed through another fd of the same socket
 * (a dup) or with ioctl(FIONBIO) take effect at the next call on the
 * original fd, exactly as natively: green remembers them per fd between
 * calls and must notice each change. */
#include "check.h"
#include <fcntl.h>
#include <pthread.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <unistd.h>

static int peer;

/* A writer on its own thread: one byte after 0.2 s. */
static void *write_later(void *arg) {
  (void)arg;
  struct timespec ts = {0, 200000000};
  nanosleep(&ts, NULL);
  if (write(peer, "x", 1) != 1) DIE("write");
  return NULL;
}

int main(void) {
  int sv[2];
  if (socketpair(AF_UNIX, SOCK_STREAM, 0, sv)) DIE("socketpair");
  peer = sv[1];
  int fd = sv[0];
  int d = dup(fd);
  char c;

  pthread_t t;
  if (pthread_create(&t, NULL, write_later, NULL)) DIE("pthread_create");
  TIMED("blocking recv, data after 0.2 s", 0.2, recv(fd, &c, 1, 0));
  pthread_join(t, NULL);

  struct timeval tv = {0, 200000};
  SHOW("SO_RCVTIMEO 0.2 s set through the dup", setsockopt(d, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv));
  TIMED("recv times out", 0.2, recv(fd, &c, 1, 0));

  SHOW("O_NONBLOCK set through the dup", fcntl(d, F_SETFL, fcntl(d, F_GETFL) | O_NONBLOCK));
  TIMED("recv says EAGAIN at once", 0, recv(fd, &c, 1, 0));
  TIMED("read says EAGAIN at once", 0, read(fd, &c, 1));

  int off = 0;
  SHOW("FIONBIO cleared on the dup", ioctl(d, FIONBIO, &off));
  TIMED("recv waits for the timeout again", 0.2, recv(fd, &c, 1, 0));

  struct timeval none = {0, 0};
  SHOW("SO_RCVTIMEO cleared on the dup", setsockopt(d, SOL_SOCKET, SO_RCVTIMEO, &none, sizeof none));
  if (pthread_create(&t, NULL, write_later, NULL)) DIE("pthread_create");
  TIMED("recv waits for the data again", 0.2, recv(fd, &c, 1, 0));
  pthread_join(t, NULL);

  int on = 1;
  SHOW("FIONBIO set on the original", ioctl(fd, FIONBIO, &on));
  TIMED("recv through the dup says EAGAIN at once", 0, recv(d, &c, 1, 0));
  close(d);
  close(fd);
  close(peer);
  return 0;
}

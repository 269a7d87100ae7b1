/* MSG_PEEK, MSG_WAITALL, MSG_DONTWAIT, zero-length I/O, readv/writev. */
#include "check.h"
#include <fcntl.h>
#include <pthread.h>
#include <sys/socket.h>
#include <sys/uio.h>
#include <unistd.h>

static int fd_for_thread;
static void *late_writer(void *arg) {
  (void)arg;
  usleep(100000);
  write(fd_for_thread, "01234", 5);
  usleep(100000);
  write(fd_for_thread, "56789", 5);
  return NULL;
}

int main(void) {
  int sv[2];
  char buf[32] = {0};
  socketpair(AF_UNIX, SOCK_STREAM, 0, sv);
  send(sv[1], "hello", 5, 0);
  SHOW("recv MSG_PEEK", recv(sv[0], buf, sizeof buf, MSG_PEEK));
  printf("peeked: %.5s\n", buf);
  SHOW("recv", recv(sv[0], buf, sizeof buf, 0));
  SHOW("recv MSG_DONTWAIT empty", recv(sv[0], buf, sizeof buf, MSG_DONTWAIT));
  SHOW("recv zero length", recv(sv[0], buf, 0, MSG_DONTWAIT));
  SHOW("write zero length", write(sv[1], buf, 0));
  /* read() of zero bytes returns 0 at once, even from an empty socket or pipe,
   * and leaves a datagram queued (recv() would wait, or take it). Under green
   * these waited, and took the datagram (found by tests/fuzz). */
  SHOW("read zero length, empty socket", read(sv[0], buf, 0));
  struct iovec none = {buf, 0};
  SHOW("readv zero length, empty socket", readv(sv[0], &none, 1));
  int zp[2];
  pipe(zp);
  SHOW("read zero length, empty pipe", read(zp[0], buf, 0));
  int zd[2];
  socketpair(AF_UNIX, SOCK_DGRAM, 0, zd);
  send(zd[1], "kept", 4, 0);
  SHOW("read zero length, datagram queued", read(zd[0], buf, 0));
  SHOW("the datagram is still there", recv(zd[0], buf, sizeof buf, MSG_DONTWAIT));
  close(zd[0]);
  SHOW("writev zero length, peer closed", writev(zd[1], &none, 1));
  close(zd[1]);
  fcntl(zp[1], F_SETFL, O_NONBLOCK); /* fill it */
  while (write(zp[1], buf, sizeof buf) > 0) {
  }
  fcntl(zp[1], F_SETFL, 0);
  SHOW("write zero length, full pipe", write(zp[1], buf, 0));
  SHOW("writev zero length, full pipe", writev(zp[1], &none, 1));
  close(zp[0]);
  close(zp[1]);

  fd_for_thread = sv[1];
  pthread_t t;
  pthread_create(&t, NULL, late_writer, NULL);
  memset(buf, 0, sizeof buf);
  TIMED("recv MSG_WAITALL 10", 0.2, recv(sv[0], buf, 10, MSG_WAITALL));
  printf("got: %s\n", buf);
  pthread_join(t, NULL);

  struct iovec out[2] = {{"abc", 3}, {"defgh", 5}};
  SHOW("writev", writev(sv[1], out, 2));
  char a[4] = {0}, b[8] = {0};
  struct iovec in[2] = {{a, 3}, {b, 5}};
  SHOW("readv", readv(sv[0], in, 2));
  printf("readv parts: %s %s\n", a, b);

  send(sv[1], "xyz", 3, 0);
  struct msghdr m = {0};
  struct iovec one = {buf, sizeof buf};
  m.msg_iov = &one;
  m.msg_iovlen = 1;
  SHOW("recvmsg", recvmsg(sv[0], &m, 0));
  close(sv[1]);
  SHOW("recv at EOF", recv(sv[0], buf, sizeof buf, 0));
  SHOW("recv MSG_WAITALL at EOF", recv(sv[0], buf, sizeof buf, MSG_WAITALL));

  int d[2];
  socketpair(AF_UNIX, SOCK_DGRAM, 0, d);
  sendto(d[1], "dgram", 5, 0, NULL, 0);
  SHOW("dgram recvfrom", recvfrom(d[0], buf, 2, 0, NULL, NULL));
  SHOW("dgram MSG_DONTWAIT empty", recv(d[0], buf, sizeof buf, MSG_DONTWAIT));
  /* Shut down for reading, a datagram socket's recv returns 0 at once; with
   * MSG_DONTWAIT the kernel says EAGAIN, and green, which drives sockets with
   * it, spun for ever (found by tests/fuzz). */
  shutdown(d[0], SHUT_RD);
  TIMED("dgram recv after SHUT_RD", 0, recv(d[0], buf, sizeof buf, 0));
  struct timeval tv = {0, 50000};
  setsockopt(d[0], SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv);
  TIMED("dgram read after SHUT_RD, SO_RCVTIMEO", 0, read(d[0], buf, sizeof buf));
  return 0;
}

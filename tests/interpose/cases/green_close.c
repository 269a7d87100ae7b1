/* Closing or dup2-ing over an fd another greenlet waits on wakes it with
 * EBADF; a reused fd number is never mistaken for the one it waited on. */
#include "check.h"
#include <fcntl.h>
#include <sys/socket.h>
#include <unistd.h>

#include "green/green_c.h"

static void *reader(void *arg) {
  int fd = *(int *)arg;
  char buf[8];
  errno = 0;
  ssize_t n = read(fd, buf, sizeof buf);
  static char out[64];
  snprintf(out, sizeof out, "%zd %s", n, n < 0 ? err_name(errno) : "");
  return out;
}

static void run(const char *what, int fd, void (*act)(int fd)) {
  green_greenlet_t *g = green_spawn(reader, &fd);
  green_sleep(0.05); /* the reader parks in read() */
  act(fd);
  void *res = NULL;
  int rc = green_get(g, &res, 2.0);
  printf("%s: %s\n", what, rc == 0 ? (char *)res : "reader did not wake");
  green_release(g);
}

static void do_close(int fd) { close(fd); }
static void do_dup2(int fd) {
  int p[2];
  pipe(p);
  write(p[1], "new", 3);
  dup2(p[0], fd); /* fd now refers to a pipe that has data */
}
static void do_reuse(int fd) {
  close(fd);
  int sv[2];
  socketpair(AF_UNIX, SOCK_STREAM, 0, sv);
  if (sv[0] != fd) dup2(sv[0], fd);
  write(sv[1], "new", 3);
}

int main(void) {
  int p[2];
  pipe(p);
  run("close under read", p[0], do_close);
  pipe(p);
  run("dup2 over read", p[0], do_dup2);
  int sv[2];
  socketpair(AF_UNIX, SOCK_STREAM, 0, sv);
  run("close + reuse under read", sv[0], do_reuse);
  return 0;
}

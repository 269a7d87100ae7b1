/* errno_kept.c — a call that succeeds leaves errno as it was, as glibc's
 * blocking calls do. Code relies on it: OpenSSL's socket BIO reads errno
 * after a read that returned 0 (end of file) to decide whether to retry, so
 * an EAGAIN left by green's own non-blocking try made a TLS reader retry an
 * end of file for ever (CPython's test_ssl under --threads).
 *
 * Each blocking call below waits (its data or end of file comes 50 ms later
 * from a child) and returns >= 0; errno was set to ENOENT before it. */
#include "check.h"

#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

/* later: a child that sleeps 50 ms, then writes `what` (if any) to fd and
 * closes it; the parent's copy of fd is closed. */
static pid_t later(int fd, const char* what) {
  pid_t pid = fork();
  if (pid == 0) {
    usleep(50000);
    if (what && write(fd, what, strlen(what)) < 0) _exit(1);
    _exit(0);
  }
  close(fd);
  return pid;
}

static void report(const char* label, long r) {
  int e = errno;
  printf("%s: returned %ld, errno %s\n", label, r, e == ENOENT ? "kept (ENOENT)" : err_name(e));
}

int main(void) {
  int sv[2];
  char buf[16];
  if (socketpair(AF_UNIX, SOCK_STREAM, 0, sv) != 0) return 1;
  pid_t a = later(sv[1], NULL);
  errno = ENOENT;
  report("recv at end of file", (long)recv(sv[0], buf, sizeof buf, 0));
  close(sv[0]);

  if (socketpair(AF_UNIX, SOCK_STREAM, 0, sv) != 0) return 1;
  pid_t b = later(sv[1], "hi");
  errno = ENOENT;
  report("read of data", (long)read(sv[0], buf, sizeof buf));
  close(sv[0]);

  int p[2];
  if (pipe(p) != 0) return 1;
  pid_t c = later(p[1], NULL);
  errno = ENOENT;
  report("pipe read at end of file", (long)read(p[0], buf, sizeof buf));
  close(p[0]);

  waitpid(a, NULL, 0);
  waitpid(b, NULL, 0);
  waitpid(c, NULL, 0);
  return 0;
}

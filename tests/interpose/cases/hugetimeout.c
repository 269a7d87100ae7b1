/* Timeouts too long for the clock (LONG_MAX seconds) wait as if there were
 * none: the call returns when the fd becomes ready, not at once. Under the
 * preload they once wrapped round into a deadline already passed. */
#include "check.h"
#include <limits.h>
#include <poll.h>
#include <sys/select.h>
#include <sys/wait.h>
#include <unistd.h>

/* write_later: a child process writes one byte to `fd` after 100 ms. */
static pid_t write_later(int fd) {
  pid_t pid = fork();
  if (pid < 0) DIE("fork");
  if (pid == 0) {
    usleep(100000);
    if (write(fd, "x", 1) != 1) _exit(1);
    _exit(0);
  }
  return pid;
}

static void drain(int fd, pid_t pid) {
  char c;
  if (read(fd, &c, 1) != 1) DIE("read");
  int status = 0;
  if (waitpid(pid, &status, 0) != pid || !WIFEXITED(status) || WEXITSTATUS(status) != 0) DIE("writer");
}

int main(void) {
  int p[2];
  if (pipe(p) != 0) DIE("pipe");

  pid_t pid = write_later(p[1]);
  fd_set rs;
  FD_ZERO(&rs);
  FD_SET(p[0], &rs);
  struct timeval tv = {LONG_MAX, 0};
  TIMED("select LONG_MAX s", 0.1, select(p[0] + 1, &rs, NULL, NULL, &tv));
  drain(p[0], pid);

  pid = write_later(p[1]);
  FD_ZERO(&rs);
  FD_SET(p[0], &rs);
  struct timespec ts = {LONG_MAX, 0};
  TIMED("pselect LONG_MAX s", 0.1, pselect(p[0] + 1, &rs, NULL, NULL, &ts, NULL));
  drain(p[0], pid);

  pid = write_later(p[1]);
  struct pollfd q = {p[0], POLLIN, 0};
  TIMED("ppoll LONG_MAX s", 0.1, ppoll(&q, 1, &ts, NULL));
  drain(p[0], pid);
  return 0;
}

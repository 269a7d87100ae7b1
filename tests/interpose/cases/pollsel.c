/* poll/select/epoll with ready and unready fds, timeouts, fds near
 * FD_SETSIZE, invalid fds. */
#include "check.h"
#include <poll.h>
#include <sys/epoll.h>
#include <sys/select.h>
#include <unistd.h>

int main(void) {
  int empty[2], full[2];
  pipe(empty);
  pipe(full);
  write(full[1], "x", 1);
  struct pollfd p[3] = {{empty[0], POLLIN, 0}, {full[0], POLLIN, 0}, {empty[1], POLLOUT, 0}};
  TIMED("poll mixed", 0, poll(p, 3, 1000));
  printf("revents: %d %d %d\n", p[0].revents, p[1].revents, p[2].revents);
  struct pollfd q = {empty[0], POLLIN, 0};
  TIMED("poll unready 200 ms", 0.2, poll(&q, 1, 200));
  TIMED("poll zero timeout", 0, poll(&q, 1, 0));
  TIMED("poll no fds 100 ms", 0.1, poll(NULL, 0, 100));
  struct pollfd bad[2] = {{999, POLLIN, 0}, {-1, POLLIN, 0}};
  TIMED("poll invalid fd", 0, poll(bad, 2, 1000));
  printf("revents: %d %d\n", bad[0].revents, bad[1].revents);

  /* A never-opened number below FD_SETSIZE: select answers EBADF, at once,
   * when it lies within the kernel's fd table, and ignores it above the table.
   * Under green it used to reach epoll_ctl, and libev aborted the process
   * (found by tests/fuzz). green's own fds live at the top of the fd range, so
   * under the preload the table always covers FD_SETSIZE; fd 1023 opened and
   * closed gives the native run the same table (docs/interposition.md,
   * "green's own file descriptors"). */
  if (dup2(0, 1023) != 1023 || close(1023) != 0) DIE("dup2 1023");
  fd_set above;
  FD_ZERO(&above);
  FD_SET(1023, &above);
  TIMED("select never-opened fd in the table 100 ms", 0.1,
        select(1024, &above, NULL, NULL, &(struct timeval){0, 100000}));
  printf("isset: %d\n", FD_ISSET(1023, &above));

  /* fds near FD_SETSIZE */
  if (dup2(empty[0], 1000) < 0 || dup2(full[0], 1020) < 0) DIE("dup2");
  fd_set rs;
  FD_ZERO(&rs);
  FD_SET(1000, &rs);
  struct timeval tv = {0, 150000};
  TIMED("select unready fd 1000", 0.15, select(1001, &rs, NULL, NULL, &tv));
  printf("isset: %d tv: %ld.%06ld\n", FD_ISSET(1000, &rs), (long)tv.tv_sec, (long)tv.tv_usec);
  FD_ZERO(&rs);
  FD_SET(1000, &rs);
  FD_SET(1020, &rs);
  tv.tv_sec = 2;
  tv.tv_usec = 0;
  TIMED("select fd 1000 + ready 1020", 0, select(1021, &rs, NULL, NULL, &tv));
  printf("isset: %d %d\n", FD_ISSET(1000, &rs), FD_ISSET(1020, &rs));
  FD_ZERO(&rs);
  FD_SET(1010, &rs);
  TIMED("select never-opened fd", 0, select(1011, &rs, NULL, NULL, NULL));
  TIMED("select nothing 100 ms", 0.1, select(0, NULL, NULL, NULL, &(struct timeval){0, 100000}));
  struct timespec ts = {0, 100000000};
  FD_ZERO(&rs);
  FD_SET(empty[0], &rs);
  TIMED("pselect unready 100 ms", 0.1, pselect(empty[0] + 1, &rs, NULL, NULL, &ts, NULL));

  int ep = epoll_create1(0);
  struct epoll_event ev = {.events = EPOLLIN, .data.fd = empty[0]};
  epoll_ctl(ep, EPOLL_CTL_ADD, empty[0], &ev);
  struct epoll_event out[4];
  TIMED("epoll_wait unready 150 ms", 0.15, epoll_wait(ep, out, 4, 150));
  write(empty[1], "y", 1);
  TIMED("epoll_wait ready", 0, epoll_wait(ep, out, 4, 1000));
  printf("epoll fd: %d\n", out[0].data.fd == empty[0]);
  TIMED("epoll_wait bad epfd", 0, epoll_wait(999, out, 4, 100));
  return 0;
}

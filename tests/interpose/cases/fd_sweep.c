// fd_sweep.c MODE — a program that sweeps every fd number, as shells and
// daemons do before exec, then uses what green makes cooperative: sleep, a
// TCP round trip on 127.0.0.1, a name lookup, a fork and a pipe. Natively and
// under the preload the output must be the same: green's own fds (the hub's
// epoll fd, eventfd, timerfd) are numbers the program never opened, so its
// sweep sees them as not open (EBADF) and cannot break green.
//
// MODE: close-loop (close every number below RLIMIT_NOFILE), close-range
// (close_range(3, ~0U, 0)), closefrom (closefrom(3)), dup2-low (dup2 /dev/null
// onto 3..255, then close them: a shell's redirections), getfd-scan (count
// what fcntl(F_GETFD) and dup call open, then close-loop), dup2-all (dup2 and
// dup3 onto every number up to RLIMIT_NOFILE-1, each closed again), dup2-top
// (the top 64 numbers, where green keeps its fds, taken with dup2 onto a pipe
// and kept while green runs: every byte written through them reaches the
// pipe), dupfd-top (fcntl(F_DUPFD) from 64 below the limit, 64 times: the
// numbers the program gets natively are consecutive). The last three run
// with a soft RLIMIT_NOFILE of 1024, so green's fds sit inside the sweep.
// dup2-thread: as dup2-top, from a second thread while the main thread waits
// in waitpid for a child (green parks it on a pidfd at the top: under the
// preload the second thread claims the numbers of another thread's hub).
#define _GNU_SOURCE
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <netdb.h>
#include <netinet/in.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include "check.h"

#define CHECK(expr)          \
  do {                       \
    if (!(expr)) DIE(#expr); \
  } while (0)

static int limit(void) {
  struct rlimit rl;
  CHECK(getrlimit(RLIMIT_NOFILE, &rl) == 0);
  return rl.rlim_cur > 1048576 ? 1048576 : (int)rl.rlim_cur;
}

static void close_loop(void) {
  int closed = 0, ebadf = 0, n = limit();
  for (int fd = 3; fd < n; ++fd) {
    if (close(fd) == 0) ++closed;
    else if (errno == EBADF) ++ebadf;
  }
  // Only the count of EBADF answers: the harness may leave a few fds open.
  printf("close loop: every number below the limit answered 0 or EBADF: %s\n", closed + ebadf == n - 3 ? "yes" : "no");
}

static void lower_limit(void) {
  struct rlimit rl;
  CHECK(getrlimit(RLIMIT_NOFILE, &rl) == 0);
  if (rl.rlim_cur > 1024) rl.rlim_cur = 1024;
  CHECK(setrlimit(RLIMIT_NOFILE, &rl) == 0);
}

static void dup2_all(void) {
  int null = open("/dev/null", O_RDWR | O_CLOEXEC), n = limit(), ok = 0, closed = 0;
  CHECK(null >= 0);
  for (int fd = 3; fd < n; ++fd) {
    if (fd == null) continue;
    ok += (fd % 2 ? dup3(null, fd, O_CLOEXEC) : dup2(null, fd)) == fd;
    closed += close(fd) == 0;
  }
  close(null);
  printf("dup2/dup3 onto every number up to the limit: %d succeeded, %d closed\n", ok, closed);
}

static void dup2_top(void) {
  int p[2], n = limit(), ok = 0, got = 0;
  CHECK(pipe(p) == 0);
  for (int fd = n - 64; fd < n; ++fd) {
    ok += dup2(p[1], fd) == fd;
    if (fd % 8 == 0) CHECK(usleep(200) == 0);  // green runs while the program holds the numbers
  }
  for (int fd = n - 64; fd < n; ++fd) CHECK(write(fd, "x", 1) == 1);
  char buf[128];
  while (got < 64) {
    ssize_t r = read(p[0], buf, sizeof buf);
    if (r <= 0) break;
    got += (int)r;
  }
  for (int fd = n - 64; fd < n; ++fd) close(fd);
  close(p[0]);
  close(p[1]);
  printf("dup2 onto the top 64 numbers: %d succeeded, %d bytes came through them\n", ok, got);
}

static void dupfd_top(void) {
  int null = open("/dev/null", O_RDWR | O_CLOEXEC), n = limit(), consecutive = 0, prev = -1, cloexec = 0;
  CHECK(null >= 0);
  for (int i = 0; i < 64; ++i) {
    int r = fcntl(null, i % 2 ? F_DUPFD_CLOEXEC : F_DUPFD, n - 64);
    if (r < 0) break;
    consecutive += prev < 0 ? r == n - 64 : r == prev + 1;
    cloexec += (fcntl(r, F_GETFD) & FD_CLOEXEC) != 0;
    prev = r;
    if (i % 8 == 0) CHECK(usleep(200) == 0);
  }
  errno = 0;
  int past = fcntl(null, F_DUPFD, n - 64);
  printf("F_DUPFD from 64 below the limit: %d in order, %d close-on-exec, then %d %s\n", consecutive, cloexec, past,
         past < 0 ? err_name(errno) : "");
  for (int fd = n - 64; fd < n; ++fd) close(fd);
  close(null);
}

static void* dup2_later(void* arg) {
  (void)arg;
  CHECK(usleep(50000) == 0);
  dup2_top();
  return NULL;
}

static void dup2_thread(void) {
  pid_t pid = fork();
  CHECK(pid >= 0);
  if (pid == 0) {
    usleep(400000);
    _exit(7);
  }
  pthread_t t;
  CHECK(pthread_create(&t, NULL, dup2_later, NULL) == 0);
  int st = 0;
  CHECK(waitpid(pid, &st, 0) == pid);
  CHECK(pthread_join(t, NULL) == 0);
  printf("child exit %d\n", WEXITSTATUS(st));
}

static void use_green(void) {
  CHECK(usleep(2000) == 0);
  printf("slept\n");

  int l = socket(AF_INET, SOCK_STREAM, 0);
  CHECK(l >= 0);
  struct sockaddr_in a;
  memset(&a, 0, sizeof a);
  a.sin_family = AF_INET;
  a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  socklen_t len = sizeof a;
  CHECK(bind(l, (struct sockaddr*)&a, sizeof a) == 0);
  CHECK(listen(l, 4) == 0);
  CHECK(getsockname(l, (struct sockaddr*)&a, &len) == 0);
  int c = socket(AF_INET, SOCK_STREAM, 0);
  CHECK(connect(c, (struct sockaddr*)&a, sizeof a) == 0);
  int s = accept(l, NULL, NULL);
  CHECK(s >= 0);
  char buf[16] = {0};
  CHECK(write(c, "ping", 4) == 4);
  CHECK(read(s, buf, sizeof buf) == 4);
  CHECK(write(s, "pong", 4) == 4);
  CHECK(read(c, buf, sizeof buf) == 4);
  printf("round trip: %.4s\n", buf);
  close(c);
  close(s);
  close(l);

  struct addrinfo hints, *res = NULL;
  memset(&hints, 0, sizeof hints);
  hints.ai_family = AF_INET;
  hints.ai_socktype = SOCK_STREAM;
  printf("localhost resolves: %s\n", getaddrinfo("localhost", "80", &hints, &res) == 0 ? "yes" : "no");
  if (res) freeaddrinfo(res);

  int p[2];
  CHECK(pipe(p) == 0);
  pid_t pid = fork();
  CHECK(pid >= 0);
  if (pid == 0) {
    close(p[0]);
    usleep(2000);
    _exit(write(p[1], "child", 5) == 5 ? 0 : 1);
  }
  close(p[1]);
  ssize_t n = read(p[0], buf, sizeof buf);
  int st = 0;
  CHECK(waitpid(pid, &st, 0) == pid);
  printf("child said %.*s, exit %d\n", (int)(n > 0 ? n : 0), buf, WEXITSTATUS(st));
  close(p[0]);

  // Two consecutive free numbers, as os.closerange's tests look for them.
  int first = dup(1), second = dup(first);
  printf("two consecutive fds: %s\n", second == first + 1 ? "yes" : "no");
  close(first);
  close(second);
}

int main(int argc, char** argv) {
  const char* mode = argc > 1 ? argv[1] : "close-loop";
  if (strncmp(mode, "dup", 3) == 0 && strcmp(mode, "dup2-low") != 0) lower_limit();
  setvbuf(stdout, NULL, _IOLBF, 0);
  CHECK(usleep(1000) == 0);  // under the preload: the hub (and its fds) exist now
  if (strcmp(mode, "close-loop") == 0) {
    close_loop();
  } else if (strcmp(mode, "close-range") == 0) {
    printf("close_range: %d\n", close_range(3, ~0U, 0));
  } else if (strcmp(mode, "closefrom") == 0) {
    closefrom(3);
    printf("closefrom done\n");
  } else if (strcmp(mode, "dup2-low") == 0) {
    int null = open("/dev/null", O_RDWR | O_CLOEXEC);
    CHECK(null >= 0);
    int ok = 0;
    for (int fd = 3; fd < 256; ++fd) ok += dup2(null, fd) == fd;
    for (int fd = 3; fd < 256; ++fd) close(fd);
    printf("dup2 onto 3..255: %d succeeded\n", ok);
  } else if (strcmp(mode, "dup2-all") == 0) {
    dup2_all();
  } else if (strcmp(mode, "dup2-top") == 0) {
    dup2_top();
  } else if (strcmp(mode, "dup2-thread") == 0) {
    dup2_thread();
  } else if (strcmp(mode, "dupfd-top") == 0) {
    dupfd_top();
  } else if (strcmp(mode, "getfd-scan") == 0) {
    int open_fds = 0, dups = 0, n = limit();
    for (int fd = 3; fd < n; ++fd) open_fds += fcntl(fd, F_GETFD) != -1;
    for (int fd = 3; fd < n; ++fd) {
      int d = dup(fd);
      if (d >= 0) {
        ++dups;
        close(d);
      }
    }
    printf("open fds above 2 seen by F_GETFD: %d, by dup: %d\n", open_fds, dups);
    close_loop();
  } else {
    fprintf(stderr, "fd_sweep: unknown mode %s\n", mode);
    return 2;
  }
  use_green();
  return 0;
}

/* close_wakes.c — green's close-wakes-waiters across hubs: a thread blocked
 * in read() on a pipe whose read end another thread closes wakes with
 * EBADF, wherever the two run (under green-threads mode on two hubs the
 * reader runs on the other hub: main counts as its own hub's first thread).
 * Natively the read would block for ever (Linux keeps the file open under
 * it); this is green's rule (docs/interposition.md), so the test runs under
 * the preload only and compares with the expected lines. A reused number is
 * never mistaken for the one the reader waited on: the number is taken by a
 * new pipe with data in it right after the close. */
#define _GNU_SOURCE
#include <errno.h>
#include <pthread.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

static int fds[2];

static void* reader(void* arg) {
  char buf[8];
  errno = 0;
  ssize_t n = read(fds[0], buf, sizeof buf);
  static char out[64];
  snprintf(out, sizeof out, "read: %zd %s", n, n < 0 ? (errno == EBADF ? "EBADF" : strerror(errno)) : "data");
  (void)arg;
  return out;
}

int main(void) {
  for (int round = 0; round < 2; ++round) {
    if (pipe(fds) != 0) return 1;
    pthread_t t;
    pthread_create(&t, NULL, reader, NULL);
    usleep(100000); /* the reader blocks in read() */
    int old = fds[0];
    close(fds[0]);
    int again[2];
    if (pipe(again) != 0) return 1;
    if (again[0] != old) dup2(again[0], old);
    if (write(again[1], "new", 3) != 3) return 1;
    void* res;
    pthread_join(t, &res);
    printf("round %d: %s\n", round, (char*)res);
    close(fds[1]);
    close(again[1]);
    close(old);
    if (again[0] != old) close(again[0]);
  }
  return 0;
}

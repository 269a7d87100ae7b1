/* Socket reads whose last read on the fd found nothing park before trying
 * (docs/interposition.md): a request/response exchange then makes the
 * syscalls a hand-written epoll loop makes. The run must still move every
 * byte in order, and a read whose data is already there when it parks first
 * must return it at once. GREEN_STATS shows how many reads parked first
 * (tests/interpose/CMakeLists.txt checks that most did). */
#include "check.h"
#include <sys/socket.h>
#include <unistd.h>

#include "green/green_c.h"

enum { ROUNDS = 50 };
static int sv[2];

static void *echo(void *arg) {
  (void)arg;
  for (int i = 0; i < ROUNDS; ++i) {
    unsigned char c;
    if (read(sv[1], &c, 1) != 1 || c != (unsigned char)i) return "echo: lost or reordered a byte";
    if (write(sv[1], &c, 1) != 1) return "echo: write failed";
  }
  return "echo: ok";
}

static void *reader(void *arg) {
  (void)arg;
  static char out[32];
  char buf[8];
  ssize_t n = read(sv[1], buf, sizeof buf);
  snprintf(out, sizeof out, "already there: %zd", n);
  return out;
}

static void report(green_greenlet_t *g) {
  void *res = NULL;
  int rc = green_get(g, &res, 5.0);
  printf("%s\n", rc == 0 ? (char *)res : "did not finish");
  green_release(g);
}

int main(void) {
  if (socketpair(AF_UNIX, SOCK_STREAM, 0, sv) != 0) return 1;
  green_greenlet_t *e = green_spawn(echo, NULL);
  int ok = 1;
  for (int i = 0; i < ROUNDS && ok; ++i) {
    unsigned char c = (unsigned char)i, back;
    ok = write(sv[0], &c, 1) == 1 && read(sv[0], &back, 1) == 1 && back == c;
  }
  printf("main: %s\n", ok ? "ok" : "lost or reordered a byte");
  report(e);
  /* sv[1]'s last read found nothing: the next one parks first, with its
   * data already queued. */
  write(sv[0], "xyz", 3);
  report(green_spawn(reader, NULL));
  return 0;
}

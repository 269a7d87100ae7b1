/* Several greenlets blocked on one pipe: one write wakes every reader (and
 * one read every writer), but only the first can take what woke them. The
 * others must park again, never make the real, blocking call: that would
 * block the whole thread, and the greenlet that would end it never runs
 * (found by tests/fuzz: the green run hung). */
#include "check.h"
#include <fcntl.h>
#include <limits.h>
#include <unistd.h>

#include "green/green_c.h"

static int p[2];

static void *reader(void *arg) {
  (void)arg;
  char c;
  static char out[2][16];
  static int next;
  char *o = out[next++];
  ssize_t n = read(p[0], &c, 1);
  snprintf(o, sizeof out[0], "%zd", n);
  return o;
}

static void *writer(void *arg) {
  static char buf[PIPE_BUF];
  static char out[2][16];
  static int next;
  char *o = out[next++];
  (void)arg;
  ssize_t n = write(p[1], buf, sizeof buf);
  snprintf(o, sizeof out[0], "%zd", n);
  return o;
}

/* run: spawn two greenlets of `fn`, let both park, then `act` once (it may
 * satisfy one of them), then `act` again (it satisfies the other). */
static void run(const char *what, void *(*fn)(void *), void (*act)(void)) {
  green_greenlet_t *g[2] = {green_spawn(fn, NULL), green_spawn(fn, NULL)};
  green_sleep(0.05); /* both park */
  act();
  green_sleep(0.05); /* both wake; one is satisfied, the other parks again */
  act();
  for (int i = 0; i < 2; ++i) {
    void *res = NULL;
    int rc = green_get(g[i], &res, 2.0);
    printf("%s %d: %s\n", what, i, rc == 0 ? (char *)res : "did not finish");
    green_release(g[i]);
  }
}

static void write_one(void) { write(p[1], "x", 1); }

/* Frees room for one PIPE_BUF write. */
static void drain_one(void) {
  static char buf[PIPE_BUF];
  read(p[0], buf, sizeof buf);
}

int main(void) {
  pipe(p);
  run("reader", reader, write_one);
  /* Fill the pipe, so both writers park. */
  fcntl(p[1], F_SETFL, O_NONBLOCK);
  static char fill[PIPE_BUF];
  while (write(p[1], fill, sizeof fill) > 0) {
  }
  fcntl(p[1], F_SETFL, 0);
  run("writer", writer, drain_one);
  return 0;
}

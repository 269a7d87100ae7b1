/* c_api_test.c — green/green_c.h driven from C. Its own executable: exits
 * non-zero, naming each failed check, when the C API misbehaves. */
#define _GNU_SOURCE /* pipe2 */
#include "green/green_c.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

static int failures = 0;

#define CHECK(cond)                                                            \
  do {                                                                         \
    if (!(cond)) {                                                             \
      fprintf(stderr, "%s:%d: CHECK failed: %s\n", __FILE__, __LINE__, #cond); \
      ++failures;                                                              \
    }                                                                          \
  } while (0)

/* A log of what the greenlets did, compared as one string. */
static char log_buf[256];
static void log_add(const char *s) { strncat(log_buf, s, sizeof log_buf - strlen(log_buf) - 1); }

static void *identity(void *arg) { return arg; }

static void *interleave(void *arg) {
  const char *id = arg;
  char a[4], b[4];
  snprintf(a, sizeof a, "%sA ", id);
  snprintf(b, sizeof b, "%sB ", id);
  log_add(a);
  green_sleep(0);
  log_add(b);
  return NULL;
}

static void *sleep_long(void *arg) {
  (void)arg;
  green_sleep(10.0);
  log_add("woke ");
  return NULL;
}

static void *self_join(void *arg) {
  green_greenlet_t **self = arg;
  green_yield(); /* *self is set once spawn returned */
  int r = green_join(*self, -1.0);
  return (void *)(long)(r == -1 && errno == EDEADLK);
}

static int write_fd = -1;
static void *write_later(void *arg) {
  (void)arg;
  green_sleep(0.01);
  CHECK(write(write_fd, "x", 1) == 1);
  return NULL;
}

static void test_spawn_and_get(void) {
  int token = 0;
  green_greenlet_t *g = green_spawn(identity, &token);
  CHECK(g != NULL);
  CHECK(green_ready(g) == 0);
  void *result = NULL;
  CHECK(green_get(g, &result, -1.0) == 0);
  CHECK(result == &token);
  CHECK(green_ready(g) == 1);
  CHECK(green_join(g, 0.0) == 0);
  green_release(g);
}

static void test_sleep_zero_interleaves(void) {
  log_buf[0] = '\0';
  green_greenlet_t *one = green_spawn(interleave, "1");
  green_greenlet_t *two = green_spawn(interleave, "2");
  CHECK(green_join(one, -1.0) == 0);
  CHECK(green_join(two, -1.0) == 0);
  CHECK(strcmp(log_buf, "1A 2A 1B 2B ") == 0);
  green_release(one);
  green_release(two);
}

static void test_join_timeout_and_kill(void) {
  log_buf[0] = '\0';
  green_greenlet_t *g = green_spawn(sleep_long, NULL);
  green_set_name(g, "c-sleeper");
  errno = 0;
  CHECK(green_join(g, 0.02) == -1 && errno == ETIMEDOUT);
  errno = 0;
  CHECK(green_kill(g, 0, 0.0) == -1 && errno == ETIMEDOUT); /* not blocking: not dead yet */
  CHECK(green_kill(g, 1, -1.0) == 0);
  CHECK(green_ready(g) == 1);
  errno = 0;
  CHECK(green_get(g, NULL, -1.0) == -1 && errno == ECANCELED);
  CHECK(strcmp(log_buf, "") == 0);
  green_release(g);
}

static void test_self_join_is_edeadlk(void) {
  green_greenlet_t *g = NULL;
  green_greenlet_t *spawned = green_spawn(self_join, &g);
  g = spawned;
  void *ok = NULL;
  CHECK(green_get(g, &ok, -1.0) == 0);
  CHECK(ok == (void *)1);
  green_release(g);
}

static void test_wait_read(void) {
  int fds[2];
  CHECK(pipe2(fds, O_NONBLOCK) == 0);
  CHECK(green_wait_read(fds[0], 0.01) == 0);
  write_fd = fds[1];
  green_greenlet_t *w = green_spawn(write_later, NULL);
  CHECK(green_wait_read(fds[0], -1.0) == 1);
  CHECK(green_wait_write(fds[1], 1.0) == 1);
  CHECK(green_join(w, -1.0) == 0);
  green_release(w);
  close(fds[0]);
  close(fds[1]);
  errno = 0;
  CHECK(green_wait_read(fds[0], 1.0) == -1 && errno == EBADF);
}

static void test_release_keeps_it_running(void) {
  log_buf[0] = '\0';
  green_release(green_spawn(interleave, "r"));
  CHECK(green_sleep(0.01) == 0);
  CHECK(strcmp(log_buf, "rA rB ") == 0);
}

int main(void) {
  test_spawn_and_get();
  test_sleep_zero_interleaves();
  test_join_timeout_and_kill();
  test_self_join_is_edeadlk();
  test_wait_read();
  test_release_keeps_it_running();
  if (failures) fprintf(stderr, "%d check(s) failed\n", failures);
  else printf("c_api_test: all checks passed\n");
  return failures ? 1 : 0;
}

/* check.h — output helpers for the interposer's test programs. The programs
 * are plain C (no green headers except the green_* cases): each prints lines
 * that must be identical natively and under the preload, so results, errno
 * names and coarse timing classes only — never raw times. */
#ifndef CHECK_H
#define CHECK_H
#define _GNU_SOURCE
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

static inline const char *err_name(int e) {
  const char *n = strerrorname_np(e);
  return n ? n : "E?";
}

/* SHOW: "label: result" or "label: -1 ENAME". */
#define SHOW(label, expr)                                        \
  do {                                                           \
    errno = 0;                                                   \
    long r_ = (long)(expr);                                      \
    int e_ = errno;                                              \
    if (r_ < 0) printf("%s: %ld %s\n", label, r_, err_name(e_)); \
    else printf("%s: %ld\n", label, r_);                         \
    fflush(stdout);                                              \
  } while (0)

static inline double now_s(void) {
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

/* timing: a coarse class of `took` against the `want`ed seconds. */
static inline const char *timing(double took, double want) {
  if (want == 0) return took < 0.1 ? "immediate" : "slow";
  if (took < want * 0.8) return "early";
  if (took > want * 2 + 0.3) return "late";
  return "on time";
}

#define TIMED(label, want, expr)                                          \
  do {                                                                    \
    double t0_ = now_s();                                                 \
    errno = 0;                                                            \
    long r_ = (long)(expr);                                               \
    int e_ = errno;                                                       \
    const char *c_ = timing(now_s() - t0_, want);                         \
    if (r_ < 0) printf("%s: %ld %s (%s)\n", label, r_, err_name(e_), c_); \
    else printf("%s: %ld (%s)\n", label, r_, c_);                         \
    fflush(stdout);                                                       \
  } while (0)

#define DIE(msg) \
  do {           \
    perror(msg); \
    exit(99);    \
  } while (0)

#endif

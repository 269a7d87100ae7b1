/* mono_clock.h — test helper: seconds on CLOCK_MONOTONIC, for the cases that
 * bound a loop in time (and never assert on a duration). */
#ifndef GREEN_TEST_MONO_CLOCK_H
#define GREEN_TEST_MONO_CLOCK_H

#include <time.h>

static double mono_now(void) {
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return ts.tv_sec + ts.tv_nsec / 1e9;
}

#endif

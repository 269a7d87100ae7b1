/* Concurrency: N greenlets (C API) each call plain sleep(1). Under the
 * preload that takes about 1 s, not N s. Prints "concurrent" or "sequential". */
#include "check.h"
#include <unistd.h>

#include "green/green_c.h"

#define N 8

static void *sleeper(void *arg) {
  sleep(1);
  return arg;
}

int main(void) {
  green_greenlet_t *g[N];
  double t0 = now_s();
  for (int i = 0; i < N; ++i) g[i] = green_spawn(sleeper, NULL);
  for (int i = 0; i < N; ++i) {
    green_join(g[i], -1.0);
    green_release(g[i]);
  }
  double took = now_s() - t0;
  /* Coarse: faster than half the sequential time. */
  printf("%d greenlets x sleep(1): %s\n", N, took < 0.5 * N ? "concurrent" : "sequential");
  return 0;
}

/* handoff_compute.c — one thread computes for 1 s without a blocking call
 * while another ticks every 10 ms. Natively the ticker keeps its rhythm (about
 * 100 ticks); as green threads without hand-off it gets none until the
 * computation ends. The verdict is coarse (at least a third of the ticks), so
 * a loaded machine does not make it flaky. */
#define _GNU_SOURCE
#include "beside_ticker.h"
#include "mono_clock.h"

static void compute(void) {
  const double start = mono_now();
  volatile unsigned long x = 1;
  while (mono_now() - start < 1.0)
    for (int i = 0; i < 1000; ++i) x = x * 6364136223846793005ul + 1442695040888963407ul;
}

int main(void) { return beside_ticker(compute, "handoff_compute.ticker"); }

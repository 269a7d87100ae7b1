/* handoff_stale.c — a thread computes in a frame whose uninitialised slots
 * still hold the return addresses a blocking call left there (usleep called
 * from deep recursion first: under the preload, green's code ran in those
 * addresses), while another thread ticks every 10 ms. Natively the ticker
 * keeps its rhythm; as green threads, hand-off must move the computing one
 * away although its stack holds words that look like green's code: they lie
 * in the program's frame, and green's code never called the program there.
 * Coarse verdict (a third of the ticks), as handoff_compute. */
#define _GNU_SOURCE
#include <alloca.h>
#include <unistd.h>

#include "beside_ticker.h"
#include "mono_clock.h"

/* deep: blocks from 16 frames of 512 bytes down, leaving what the blocking
 * call pushed below them. */
static int __attribute__((noinline)) deep(int n) {
  volatile char pad[512];
  pad[0] = (char)n;
  if (n == 0) {
    usleep(1000);
    return pad[0];
  }
  return deep(n - 1) + pad[0];
}

/* compute_in_stale_frame: 1 s of arithmetic in a frame of 32 KiB nothing
 * initialises but its first byte (it covers where deep's blocking call ran). */
static void __attribute__((noinline)) compute_in_stale_frame(void) {
  volatile char* scratch = alloca(32768);
  scratch[0] = 1;
  const double start = mono_now();
  volatile unsigned long x = 1;
  while (mono_now() - start < 1.0)
    for (int i = 0; i < 1000; ++i) x = x * 6364136223846793005ul + 1442695040888963407ul;
}

static void compute(void) {
  deep(16);
  compute_in_stale_frame();
}

int main(void) { return beside_ticker(compute, "handoff_stale.ticker"); }

/* The C API from the installed header, compiled as C. */
#include <stdio.h>
#include <green/green_c.h>

static void *twice(void *arg) {
  green_sleep(0.01);
  return (void *)((long)arg * 2);
}

int main(void) {
  green_greenlet_t *g = green_spawn(twice, (void *)21L);
  void *out = NULL;
  if (!g || green_get(g, &out, -1.0) != 0) return 1;
  green_release(g);
  printf("consumer_c: %ld\n", (long)out);
  return (long)out == 42 ? 0 : 1;
}

/* tls_static_module.c — the library tls_static_dlopen.c loads (two copies)
 * after its threads started: __thread variables in the initial-exec model
 * (built with -ftls-model=initial-exec), so they live in every thread's
 * static TLS area and the library's dlopen copies their initial values into
 * each thread's. Small: a dlopen'ed library gets only glibc's static TLS
 * surplus. It hands its function to the program when loaded (the program
 * exports the receiver). */
#include <string.h>
#include <time.h>

static __thread int counter = 42;
static __thread char word[16] = "initial";

/* The calling thread's values into *old_counter and old_word (16 bytes),
 * then `new_counter` and `new_word` in their place. */
static void tls_static_swap(int new_counter, const char* new_word, int* old_counter, char* old_word) {
  *old_counter = counter;
  memcpy(old_word, word, sizeof word);
  counter = new_counter;
  strncpy(word, new_word, sizeof word - 1);
}

extern void tls_static_register(void (*swap)(int, const char*, int*, char*));

/* Its constructor runs in the loading thread, after glibc copied the initial
 * values there: what it writes there stays, the rest keeps them. It computes
 * for 20 ms first, long enough for green's hand-off to take a green thread
 * running the program's own code to a spare OS thread, which must not happen
 * with green's dlopen below it. */
__attribute__((constructor)) static void announce(void) {
  struct timespec start, now;
  clock_gettime(CLOCK_MONOTONIC, &start);
  do clock_gettime(CLOCK_MONOTONIC, &now);
  while ((now.tv_sec - start.tv_sec) * 1000000000L + (now.tv_nsec - start.tv_nsec) < 20000000L);
  counter = 7;
  tls_static_register(tls_static_swap);
}

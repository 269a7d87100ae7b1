/* tls_static_module.c — the library (two copies) tls_static_dlopen.c loads after its
 * threads started: __thread variables in the initial-exec model (built with
 * -ftls-model=initial-exec), so they live in every thread's static TLS area
 * and the library's dlopen copies their initial values into each thread's.
 * Small: a dlopen'ed library gets only glibc's static TLS surplus. It hands
 * its function to the program when loaded (the program exports the
 * receiver). */
#include <string.h>

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
 * values there: what it writes there stays, the rest keeps them. */
__attribute__((constructor)) static void announce(void) {
  counter = 7;
  tls_static_register(tls_static_swap);
}

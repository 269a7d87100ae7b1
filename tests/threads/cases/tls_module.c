/* tls_module.c — the library tls_dlopen.c loads after its threads started:
 * a __thread variable with an initial value, reached through
 * __tls_get_addr (global-dynamic: the library is dlopen'ed). It hands its
 * function to the program when loaded (the program exports the receiver). */
static __thread int hits = 10;

static int tls_module_hit(int by) {
  hits += by;
  return hits;
}

extern void tls_module_register(int (*hit)(int));

__attribute__((constructor)) static void announce(void) { tls_module_register(tls_module_hit); }

/* tls_module.c — the library tls_dlopen.c loads after its threads started:
 * a __thread variable with an initial value, reached through
 * __tls_get_addr (global-dynamic: the library is dlopen'ed). */
static __thread int hits = 10;

int tls_module_hit(int by) {
  hits += by;
  return hits;
}

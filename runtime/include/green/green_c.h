/* green/green_c.h — green's C API, for C programs that want greenlets.
 *
 *   static void *worker(void *arg) { green_sleep(1.0); return arg; }
 *   green_greenlet_t *g = green_spawn(worker, "x");
 *   void *result; green_get(g, &result, -1.0);
 *   green_release(g);
 *
 * Timeouts are in seconds as double; a negative timeout means forever, zero
 * means "do not wait". Functions that can fail return -1 and set errno.
 * Every function must be called on the thread whose hub runs the greenlet.
 *
 * Kill: green_kill() unwinds the target's stack with a C++ exception. C frames
 * on that stack are unwound without running any cleanup code of theirs (x86-64
 * C code carries unwind tables), so prefer cooperative shutdown in C.
 */
#ifndef GREEN_GREEN_C_H
#define GREEN_GREEN_C_H

#ifdef __cplusplus
extern "C" {
#endif

typedef struct green_greenlet green_greenlet_t;
typedef void *(*green_fn_t)(void *arg);

/* green_spawn: start fn(arg) in a new greenlet; it runs when the caller next
 * blocks or yields. Returns a handle to release with green_release(), or NULL
 * with errno ENOMEM. */
green_greenlet_t *green_spawn(green_fn_t fn, void *arg);

/* green_join: wait for g to finish. 0 when it is dead, -1/ETIMEDOUT when the
 * timeout passed first, -1/EDEADLK when g is the caller itself. */
int green_join(green_greenlet_t *g, double timeout);

/* green_get: green_join, then store fn's return value in *result (if not
 * NULL). -1/ECANCELED when g was killed or failed. */
int green_get(green_greenlet_t *g, void **result, double timeout);

/* green_kill: deliver GreenletExit to g at its next switch point; with block,
 * wait up to timeout for it to die. 0 when dead, -1/ETIMEDOUT otherwise (also
 * when !block and it is not dead yet). */
int green_kill(green_greenlet_t *g, int block, double timeout);

/* green_ready: 1 when g is dead, else 0. Never blocks. */
int green_ready(const green_greenlet_t *g);

/* green_release: drop the handle; a running greenlet keeps running. */
void green_release(green_greenlet_t *g);

/* green_sleep: sleep `seconds` (0 or less: let every ready greenlet run
 * first). Returns 0. A kill aimed at the caller unwinds through it (see Kill). */
int green_sleep(double seconds);

/* green_yield: green_sleep(0). */
void green_yield(void);

/* green_wait_read / green_wait_write: wait for an fd. 1 ready, 0 timeout, -1
 * with errno (EBADF closed under the wait or invalid, EPERM not pollable). */
int green_wait_read(int fd, double timeout);
int green_wait_write(int fd, double timeout);

/* green_set_name: name g for failure reports and dumps (copied). */
void green_set_name(green_greenlet_t *g, const char *name);

#ifdef __cplusplus
}
#endif

#endif /* GREEN_GREEN_C_H */

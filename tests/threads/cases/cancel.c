/* cancel.c — deferred pthread_cancel at blocking points (read on a pipe,
 * pthread_cond_wait, sleep), C cleanup handlers, cancel disabled then
 * enabled, and pthread_testcancel. */
#include <pthread.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "os_threads.h"

static int fds[2];
static pthread_mutex_t lock = PTHREAD_MUTEX_INITIALIZER;
static pthread_cond_t never = PTHREAD_COND_INITIALIZER;
static int cleaned_read, cleaned_cond, reached_after_disable;

static void cleanup_flag(void* p) { *(int*)p = 1; }
static void cleanup_unlock(void* p) {
  cleaned_cond = 1;
  pthread_mutex_unlock(p);
}

static void* reader(void* arg) {
  (void)arg;
  char c;
  pthread_cleanup_push(cleanup_flag, &cleaned_read);
  note_os_threads("cancel.reader");
  read(fds[0], &c, 1); /* nobody writes: only the cancel ends this */
  pthread_cleanup_pop(0);
  return (void*)1;
}

static void* waiter(void* arg) {
  (void)arg;
  pthread_mutex_lock(&lock);
  pthread_cleanup_push(cleanup_unlock, &lock);
  for (;;) pthread_cond_wait(&never, &lock);
  pthread_cleanup_pop(1);
  return (void*)1;
}

static void* stubborn(void* arg) {
  (void)arg;
  int old;
  pthread_setcancelstate(PTHREAD_CANCEL_DISABLE, &old);
  usleep(100000); /* canceled meanwhile: must not act yet */
  reached_after_disable = 1;
  pthread_setcancelstate(PTHREAD_CANCEL_ENABLE, &old);
  pthread_testcancel();
  reached_after_disable = 2; /* never: the pending cancel acts above */
  return (void*)1;
}

static const char* how(void* r) { return r == PTHREAD_CANCELED ? "PTHREAD_CANCELED" : "returned"; }

int main(void) {
  if (pipe(fds) != 0) return 1;
  pthread_t r, w, s;
  void* ret;
  pthread_create(&r, NULL, reader, NULL);
  usleep(50000);
  pthread_cancel(r);
  pthread_join(r, &ret);
  printf("reader: %s, cleanup ran: %d\n", how(ret), cleaned_read);

  pthread_create(&w, NULL, waiter, NULL);
  usleep(50000);
  pthread_cancel(w);
  pthread_join(w, &ret);
  printf("cond waiter: %s, cleanup ran: %d\n", how(ret), cleaned_cond);
  printf("mutex free again: %s\n", pthread_mutex_trylock(&lock) == 0 ? "yes" : "no");
  pthread_mutex_unlock(&lock);

  pthread_create(&s, NULL, stubborn, NULL);
  usleep(20000);
  pthread_cancel(s);
  pthread_join(s, &ret);
  printf("cancel-disabled thread: %s, got to %d\n", how(ret), reached_after_disable);
  return 0;
}

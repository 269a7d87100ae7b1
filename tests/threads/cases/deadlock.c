/* deadlock.c — a deliberate two-lock deadlock: thread 1 takes A then B,
 * thread 2 takes B then A, main joins them. Natively the process hangs;
 * under green-run --threads it hangs too, after reporting on stderr which
 * thread waits for which lock and who holds it. */
#define _GNU_SOURCE
#include <pthread.h>
#include <stdio.h>
#include <unistd.h>

static pthread_mutex_t a = PTHREAD_MUTEX_INITIALIZER, b = PTHREAD_MUTEX_INITIALIZER;

static void* one(void* arg) {
  (void)arg;
  pthread_mutex_lock(&a);
  usleep(20000);
  pthread_mutex_lock(&b);
  return NULL;
}

static void* two(void* arg) {
  (void)arg;
  pthread_mutex_lock(&b);
  usleep(20000);
  pthread_mutex_lock(&a);
  return NULL;
}

int main(void) {
  pthread_t t1, t2;
  pthread_create(&t1, NULL, one, NULL);
  pthread_create(&t2, NULL, two, NULL);
  pthread_setname_np(t1, "takes-a-then-b");
  printf("both threads started\n");
  fflush(stdout);
  pthread_join(t1, NULL);
  printf("never printed\n");
  return 0;
}

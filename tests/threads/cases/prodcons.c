/* prodcons.c — producers and consumers over a bounded buffer guarded by a
 * mutex and two condition variables; every item is counted exactly once. */
#include <pthread.h>
#include <stdint.h>
#include <stdio.h>

#include "os_threads.h"

enum { kProducers = 4, kConsumers = 4, kPerProducer = 5000, kCapacity = 8 };

static int buffer[kCapacity];
static int head, tail, size, producers_left = kProducers;
static pthread_mutex_t lock = PTHREAD_MUTEX_INITIALIZER;
static pthread_cond_t not_full = PTHREAD_COND_INITIALIZER, not_empty = PTHREAD_COND_INITIALIZER;

static void* producer(void* arg) {
  int base = (int)(intptr_t)arg * kPerProducer;
  for (int i = 0; i < kPerProducer; ++i) {
    pthread_mutex_lock(&lock);
    while (size == kCapacity) pthread_cond_wait(&not_full, &lock);
    buffer[tail] = base + i;
    tail = (tail + 1) % kCapacity;
    ++size;
    pthread_cond_signal(&not_empty);
    pthread_mutex_unlock(&lock);
  }
  pthread_mutex_lock(&lock);
  if (--producers_left == 0) pthread_cond_broadcast(&not_empty);
  pthread_mutex_unlock(&lock);
  return NULL;
}

struct tally {
  long count;
  long long sum;
};

static void* consumer(void* arg) {
  struct tally* t = arg;
  for (;;) {
    pthread_mutex_lock(&lock);
    while (size == 0 && producers_left > 0) pthread_cond_wait(&not_empty, &lock);
    if (size == 0) {
      pthread_mutex_unlock(&lock);
      return NULL;
    }
    int v = buffer[head];
    head = (head + 1) % kCapacity;
    --size;
    pthread_cond_signal(&not_full);
    pthread_mutex_unlock(&lock);
    t->count++;
    t->sum += v;
    if (t->count == 100) note_os_threads("prodcons.consumer");
  }
}

int main(void) {
  pthread_t p[kProducers], c[kConsumers];
  struct tally tallies[kConsumers] = {{0, 0}};
  for (int i = 0; i < kConsumers; ++i) pthread_create(&c[i], NULL, consumer, &tallies[i]);
  for (intptr_t i = 0; i < kProducers; ++i) pthread_create(&p[i], NULL, producer, (void*)i);
  for (int i = 0; i < kProducers; ++i) pthread_join(p[i], NULL);
  long count = 0;
  long long sum = 0;
  for (int i = 0; i < kConsumers; ++i) {
    pthread_join(c[i], NULL);
    count += tallies[i].count;
    sum += tallies[i].sum;
  }
  long long n = (long long)kProducers * kPerProducer;
  printf("items: %ld of %lld\n", count, n);
  printf("checksum ok: %s\n", sum == n * (n - 1) / 2 ? "yes" : "no");
  return 0;
}

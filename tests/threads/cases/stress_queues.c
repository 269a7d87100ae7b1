/* stress_queues.c — 10,000 threads move 1,000,000 items through 100 bounded
 * queues, each guarded by a mutex and two condition variables (not full, not
 * empty). 50 producers and 50 consumers per queue; every item is a distinct
 * number, marked when taken: the run reports whether each was taken exactly
 * once. Bounded in time: a thread that waits 60 s for its queue gives up
 * (pthread_cond_timedwait) and the run says so.
 *
 * The queues are small (32 slots; 50 producers each) so that puts and takes
 * keep waiting and waking: the parking lot, FIFO mutex hand-over and
 * condition variables under load, with thousands of waiters parked at once. */
#include <pthread.h>
#include <stdatomic.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <time.h>

#include "os_threads.h"

enum {
  kQueues = 100,
  kPerSide = 50,     // producers (and consumers) per queue
  kPerThread = 200,  // items each producer puts and each consumer takes
  kCapacity = 32,
  kThreads = kQueues * kPerSide * 2,
  kItems = kQueues * kPerSide * kPerThread,
  kGiveUpSeconds = 60,
};

struct queue {
  pthread_mutex_t lock;
  pthread_cond_t not_full, not_empty;
  int slot[kCapacity];
  int head, size;
};

static struct queue queues[kQueues];
static atomic_uchar taken[kItems];
static atomic_long twice, gave_up;

/* wait: pthread_cond_timedwait, at most 60 s (the callers check the time). */
static void wait(pthread_cond_t* c, pthread_mutex_t* m) {
  struct timespec t;
  clock_gettime(CLOCK_REALTIME, &t);
  t.tv_sec += kGiveUpSeconds;
  pthread_cond_timedwait(c, m, &t);
}

static void* producer(void* arg) {
  int index = (int)(intptr_t)arg;  // 0 .. kQueues * kPerSide - 1
  struct queue* q = &queues[index % kQueues];
  int first = index * kPerThread;
  for (int i = 0; i < kPerThread; ++i) {
    pthread_mutex_lock(&q->lock);
    time_t start = time(NULL);
    while (q->size == kCapacity) {
      wait(&q->not_full, &q->lock);
      if (q->size == kCapacity && time(NULL) - start >= kGiveUpSeconds) {
        pthread_mutex_unlock(&q->lock);
        atomic_fetch_add(&gave_up, 1);
        return NULL;
      }
    }
    q->slot[(q->head + q->size) % kCapacity] = first + i;
    ++q->size;
    pthread_cond_signal(&q->not_empty);
    pthread_mutex_unlock(&q->lock);
  }
  return NULL;
}

static void* consumer(void* arg) {
  int index = (int)(intptr_t)arg;
  struct queue* q = &queues[index % kQueues];
  for (int i = 0; i < kPerThread; ++i) {
    pthread_mutex_lock(&q->lock);
    time_t start = time(NULL);
    while (q->size == 0) {
      wait(&q->not_empty, &q->lock);
      if (q->size == 0 && time(NULL) - start >= kGiveUpSeconds) {
        pthread_mutex_unlock(&q->lock);
        atomic_fetch_add(&gave_up, 1);
        return NULL;
      }
    }
    int item = q->slot[q->head];
    q->head = (q->head + 1) % kCapacity;
    --q->size;
    pthread_cond_signal(&q->not_full);
    pthread_mutex_unlock(&q->lock);
    if (atomic_exchange(&taken[item], 1)) atomic_fetch_add(&twice, 1);
    if (index == 0 && i == kPerThread / 2) note_os_threads("stress_queues.consumer");
  }
  return NULL;
}

int main(void) {
  for (int i = 0; i < kQueues; ++i) {
    pthread_mutex_init(&queues[i].lock, NULL);
    pthread_cond_init(&queues[i].not_full, NULL);
    pthread_cond_init(&queues[i].not_empty, NULL);
  }
  pthread_attr_t attr;
  pthread_attr_init(&attr);
  pthread_attr_setstacksize(&attr, 64 * 1024);  // 10,000 of them natively too
  static pthread_t threads[kThreads];
  /* Consumers first: most of them park before the first item exists. */
  int made = 0;
  for (int side = 0; side < 2; ++side)
    for (int i = 0; i < kQueues * kPerSide; ++i, ++made)
      if (pthread_create(&threads[made], &attr, side == 0 ? consumer : producer, (void*)(intptr_t)i) != 0) {
        fprintf(stderr, "pthread_create failed after %d threads\n", made);
        return 1;
      }
  for (int i = 0; i < made; ++i) pthread_join(threads[i], NULL);
  long missing = 0;
  for (int i = 0; i < kItems; ++i) missing += !atomic_load(&taken[i]);
  printf("%d threads, %d items through %d queues of %d slots\n", kThreads, kItems, kQueues, kCapacity);
  printf("taken exactly once: %s (missing %ld, twice %ld, threads that gave up %ld)\n",
         missing == 0 && atomic_load(&twice) == 0 ? "yes" : "no", missing, atomic_load(&twice), atomic_load(&gave_up));
  return missing == 0 && atomic_load(&twice) == 0 && atomic_load(&gave_up) == 0 ? 0 : 1;
}

/* lookups.c — name lookups from many threads at once. Under green-run
 * --threads they run on green's helper threads while the green threads wait,
 * so the locks and conditions of that pool are shared between greenlets and
 * OS threads: the cross-thread paths of green's pthread objects. */
#include <netdb.h>
#include <pthread.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>

#include "os_threads.h"

enum { kThreads = 8, kLookups = 25 };

static int ok[kThreads];

static void* worker(void* arg) {
  intptr_t i = (intptr_t)arg;
  for (int k = 0; k < kLookups; ++k) {
    struct addrinfo hints, *res = NULL;
    memset(&hints, 0, sizeof hints);
    hints.ai_family = AF_INET;
    hints.ai_socktype = SOCK_STREAM;
    if (getaddrinfo("localhost", "80", &hints, &res) != 0) continue;
    char host[64];
    if (getnameinfo(res->ai_addr, res->ai_addrlen, host, sizeof host, NULL, 0, NI_NUMERICHOST) == 0 &&
        strcmp(host, "127.0.0.1") == 0)
      ++ok[i];
    freeaddrinfo(res);
  }
  if (i == 0) note_os_threads("lookups.worker");
  return NULL;
}

int main(void) {
  pthread_t t[kThreads];
  for (intptr_t i = 0; i < kThreads; ++i) pthread_create(&t[i], NULL, worker, (void*)i);
  int total = 0;
  for (int i = 0; i < kThreads; ++i) {
    pthread_join(t[i], NULL);
    total += ok[i];
  }
  printf("lookups resolved to 127.0.0.1: %d of %d\n", total, kThreads * kLookups);
  return 0;
}

/* stdio_stdout.c — issue 17: two threads print to a stdout that is a full
 * pipe (its reader, another process, starts late). Natively both finish once
 * the reader drains, and a third thread ticks meanwhile; under green-run
 * --threads a thread parked in a flush of stdout would hold stdout's lock
 * while the other waits for it in the kernel, stopping the OS thread for good
 * — so stdout's flushes block in glibc, as a blocking region: hand-off moves
 * the blocked printers to spare OS threads, the ticker keeps ticking, and
 * the run finishes. */
#define _GNU_SOURCE
#include <pthread.h>
#include <stdio.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "ticker.h"

enum { kLines = 2000, kWidth = 200 };

static void* printer(void* arg) {
  char line[kWidth + 1];
  memset(line, 'x', kWidth - 1);
  line[kWidth - 1] = '\n';
  line[kWidth] = 0;
  note_os_threads("printer");
  for (int i = 0; i < kLines; ++i) fputs(line, stdout);
  fflush(stdout);
  return arg;
}

int main(void) {
  fflush(stdout);
  FILE* sink = popen("sleep 0.3; wc -c", "w");  // wc's count goes to the real stdout
  int saved = dup(1);
  if (!sink || saved < 0 || dup2(fileno(sink), 1) != 1) return 1;
  ticker_start();
  long ticks = ticker_ticks();
  pthread_t a, b;
  pthread_create(&a, NULL, printer, NULL);
  pthread_create(&b, NULL, printer, NULL);
  pthread_join(a, NULL);
  pthread_join(b, NULL);
  const char* ran = ticked(ticks);
  ticker_stop();
  fflush(stdout);
  dup2(saved, 1);
  close(saved);
  int st = pclose(sink);
  printf(
      "two threads printed %d bytes into a full stdout pipe; the reader exited %d; a third thread ran "
      "meanwhile: %s\n",
      2 * kLines * kWidth, WIFEXITED(st) ? WEXITSTATUS(st) : -1, ran);
  return 0;
}

/* os_threads.h — test helper: record how many OS threads the process has.
 *
 * note_os_threads("label") appends "label N" to the file named by
 * GREEN_TEST_THREADS_LOG (when set), N being /proc/self/status's Threads.
 * The runner checks that every count is 1 under green-run --threads, and
 * that the native run had more (so the test does exercise threads). Nothing
 * goes to stdout: stdout must match between native and green runs. */
#ifndef GREEN_TEST_OS_THREADS_H
#define GREEN_TEST_OS_THREADS_H

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static void note_os_threads(const char* label) {
  const char* log = getenv("GREEN_TEST_THREADS_LOG");
  if (!log) return;
  FILE* f = fopen("/proc/self/status", "r");
  if (!f) return;
  char line[256];
  int n = -1;
  while (fgets(line, sizeof line, f))
    if (strncmp(line, "Threads:", 8) == 0) n = atoi(line + 8);
  fclose(f);
  FILE* out = fopen(log, "a");
  if (!out) return;
  fprintf(out, "%s %d\n", label, n);
  fclose(out);
}

#endif

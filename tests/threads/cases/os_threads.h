/* os_threads.h — test helper: record how many OS threads the process has.
 *
 * note_os_threads("label") appends "label N" to the file named by
 * GREEN_TEST_THREADS_LOG (when set), N being the program's OS threads: those
 * in /proc/self/task but green's own helper threads (named "green-...": the
 * thread pool, the watchdog, hand-off's spares).
 * The runner checks that every count is 1 under green-run --threads, and
 * that the native run had more (so the test does exercise threads). Nothing
 * goes to stdout: stdout must match between native and green runs. */
#ifndef GREEN_TEST_OS_THREADS_H
#define GREEN_TEST_OS_THREADS_H

#include <dirent.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static void note_os_threads(const char* label) {
  const char* log = getenv("GREEN_TEST_THREADS_LOG");
  if (!log) return;
  DIR* d = opendir("/proc/self/task");
  if (!d) return;
  int n = 0;
  struct dirent* e;
  while ((e = readdir(d))) {
    if (e->d_name[0] == '.') continue;
    char path[300], comm[32] = "";
    snprintf(path, sizeof path, "/proc/self/task/%s/comm", e->d_name);
    FILE* f = fopen(path, "r");
    if (!f) continue;
    if (!fgets(comm, sizeof comm, f)) comm[0] = 0;
    fclose(f);
    n += strncmp(comm, "green-", 6) != 0;
  }
  closedir(d);
  FILE* out = fopen(log, "a");
  if (!out) return;
  fprintf(out, "%s %d\n", label, n);
  fclose(out);
}

#endif

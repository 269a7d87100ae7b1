/* tls_libc.c — glibc's per-thread state in several threads at once: a locale
 * set with uselocale (and the ctype tables isalpha reads), getaddrinfo, and
 * fork from a thread — the child (with exec, and without: it keeps the
 * forking thread's __thread values). */
#define _GNU_SOURCE
#include <ctype.h>
#include <locale.h>
#include <netdb.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include "os_threads.h"

enum { kThreads = 4 };

static __thread int mine;
static char results[kThreads][200];

static void fork_exec(int id, char* out, size_t n) {
  int p[2];
  if (pipe(p) != 0) return;
  pid_t pid = fork();
  if (pid == 0) {
    dup2(p[1], 1);
    close(p[0]);
    close(p[1]);
    char arg[32];
    snprintf(arg, sizeof arg, "child-of-%d", id);
    execl("/bin/echo", "echo", arg, (char*)NULL);
    _exit(127);
  }
  close(p[1]);
  char buf[64] = "";
  ssize_t got = read(p[0], buf, sizeof buf - 1);
  close(p[0]);
  if (got > 0) buf[got - (buf[got - 1] == '\n')] = 0;
  int status = 0;
  waitpid(pid, &status, 0);
  snprintf(out, n, "exec '%s' status %d", buf, WEXITSTATUS(status));
}

static int fork_plain(void) {
  pid_t pid = fork();
  if (pid == 0) _exit(mine); /* the forking thread's own value */
  int status = 0;
  waitpid(pid, &status, 0);
  return WEXITSTATUS(status);
}

static void* run(void* arg) {
  int id = (int)(long)arg;
  mine = 10 + id;
  locale_t loc = newlocale(LC_ALL_MASK, id % 2 ? "C.UTF-8" : "C", (locale_t)0);
  if (loc) uselocale(loc);
  usleep(2000); /* the others set theirs meanwhile */
  size_t cur_max = MB_CUR_MAX;
  int alpha = isalpha('q') != 0 && !isalpha('3');

  struct addrinfo hints, *res = NULL;
  memset(&hints, 0, sizeof hints);
  hints.ai_flags = AI_NUMERICHOST | AI_NUMERICSERV;
  hints.ai_socktype = SOCK_STREAM;
  char port[8];
  snprintf(port, sizeof port, "%d", 8000 + id);
  int rc = getaddrinfo("127.0.0.1", port, &hints, &res);
  int family = rc == 0 ? res->ai_family : -1;
  if (res) freeaddrinfo(res);

  char exec_out[100] = "";
  if (id == 1) fork_exec(id, exec_out, sizeof exec_out);
  int child = id == 2 ? fork_plain() : 0;

  snprintf(results[id], sizeof results[id],
           "thread %d: MB_CUR_MAX %zu isalpha ok %d getaddrinfo %d family %d %s child %d", id, cur_max, alpha, rc,
           family == AF_INET, exec_out, child);
  note_os_threads("threads");
  uselocale(LC_GLOBAL_LOCALE);
  if (loc) freelocale(loc);
  return NULL;
}

int main(void) {
  fflush(stdout);
  pthread_t t[kThreads];
  for (int i = 0; i < kThreads; ++i) pthread_create(&t[i], NULL, run, (void*)(long)i);
  for (int i = 0; i < kThreads; ++i) pthread_join(t[i], NULL);
  for (int i = 0; i < kThreads; ++i) printf("%s\n", results[i]);
  printf("main: MB_CUR_MAX %zu\n", (size_t)MB_CUR_MAX);
  return 0;
}

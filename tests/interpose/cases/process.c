/* process.c — child processes: fork, vfork+exec, posix_spawn, system, popen,
 * and every wait call. The output must be identical natively and under the
 * preload (where the waits park in the hub). */
#include "check.h"

#include <signal.h>
#include <spawn.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <unistd.h>

extern char **environ;

static void show_status_of(const char *label, pid_t r, pid_t want, int st) {
  if (r < 0) printf("%s: -1 %s\n", label, err_name(errno));
  else if (r != want) printf("%s: wrong pid\n", label);
  else if (WIFEXITED(st)) printf("%s: exited %d\n", label, WEXITSTATUS(st));
  else if (WIFSIGNALED(st)) printf("%s: killed by %s\n", label, sigabbrev_np(WTERMSIG(st)));
  else if (WIFSTOPPED(st)) printf("%s: stopped by %s\n", label, sigabbrev_np(WSTOPSIG(st)));
  else printf("%s: status %d\n", label, st);
  fflush(stdout);
}

/* SHOW_STATUS: run the wait call, then print what it reported (the call must
 * come first: argument evaluation order is unspecified). */
#define show_status(label, call, want, st) \
  do {                                     \
    pid_t r_ = (call);                     \
    show_status_of(label, r_, want, st);   \
  } while (0)

/* child_sleeping: a child that sleeps `ms` then exits with `code`. */
static pid_t child_sleeping(int ms, int code) {
  pid_t pid = fork();
  if (pid == 0) {
    struct timespec t = {ms / 1000, (long)(ms % 1000) * 1000000L};
    nanosleep(&t, NULL);
    _exit(code);
  }
  return pid;
}

int main(void) {
  int st = 0;
  pid_t pid;

  pid = child_sleeping(0, 3);
  show_status("fork+waitpid", waitpid(pid, &st, 0), pid, st);

  pid = child_sleeping(100, 4);
  SHOW("waitpid WNOHANG while running", waitpid(pid, &st, WNOHANG));
  show_status("waitpid after 100 ms", waitpid(pid, &st, 0), pid, st);

  pid = child_sleeping(50, 5);
  show_status("wait (any child)", wait(&st), pid, st);

  pid = child_sleeping(20, 6);
  struct rusage ru;
  show_status("wait4", wait4(pid, &st, 0, &ru), pid, st);

  pid = child_sleeping(20, 7);
  show_status("waitpid(-1)", waitpid(-1, &st, 0), pid, st);

  pid = child_sleeping(20, 8);
  siginfo_t info;
  SHOW("waitid P_PID", waitid(P_PID, (id_t)pid, &info, WEXITED));
  printf("waitid status: %d, pid matches: %d\n", info.si_status, info.si_pid == pid);

  pid = fork();
  if (pid == 0) {
    pause();
    _exit(0);
  }
  kill(pid, SIGTERM);
  show_status("killed child", waitpid(pid, &st, 0), pid, st);

  pid = fork();
  if (pid == 0) {
    raise(SIGSTOP);
    _exit(9);
  }
  show_status("WUNTRACED", waitpid(pid, &st, WUNTRACED), pid, st);
  kill(pid, SIGCONT);
  show_status("after SIGCONT", waitpid(pid, &st, 0), pid, st);

  pid = vfork();
  if (pid == 0) {
    execl("/bin/sh", "sh", "-c", "exit 10", (char *)NULL);
    _exit(127);
  }
  show_status("vfork+exec", waitpid(pid, &st, 0), pid, st);

  char *argv[] = {"sh", "-c", "exit 11", NULL};
  if (posix_spawn(&pid, "/bin/sh", NULL, NULL, argv, environ) == 0)
    show_status("posix_spawn", waitpid(pid, &st, 0), pid, st);

  st = system("exit 12");
  printf("system: exited %d\n", WIFEXITED(st) ? WEXITSTATUS(st) : -1);

  FILE *p = popen("echo hello from popen; exit 13", "r");
  char line[64] = "";
  if (p && fgets(line, sizeof line, p)) printf("popen read: %s", line);
  st = p ? pclose(p) : -1;
  printf("pclose: exited %d\n", WIFEXITED(st) ? WEXITSTATUS(st) : -1);

  SHOW("waitpid with no children", waitpid(-1, &st, 0));
  SHOW("waitpid on a non-child", waitpid(1, &st, 0));
  return 0;
}

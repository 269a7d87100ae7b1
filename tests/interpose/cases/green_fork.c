/* green_fork.c — fork from a greenlet while another one waits, under the
 * preload: the child goes on with the forking greenlet only; the parent's
 * waitpid parks, so its other greenlet keeps running meanwhile. */
#include "check.h"
#include <sys/wait.h>
#include <unistd.h>

#include "green/green_c.h"

static int ticks;

static void *ticker(void *arg) {
  for (int i = 0; i < 10; ++i) {
    green_sleep(0.01);
    ++ticks;
  }
  return arg;
}

static void *forker(void *arg) {
  int at_fork = ticks;
  pid_t pid = fork();
  if (pid == 0) {
    usleep(200000); /* parks in the child's own hub; the ticker must not run */
    _exit(ticks == at_fork ? 0 : 1);
  }
  int before = ticks, st = 0;
  pid_t r = waitpid(pid, &st, 0);
  printf("waitpid: %s, child %s\n", r == pid ? "ok" : "failed",
         WIFEXITED(st) && WEXITSTATUS(st) == 0 ? "ran only the forking greenlet" : "ran other greenlets");
  printf("ticker ran during waitpid: %s\n", ticks > before ? "yes" : "no");
  return arg;
}

int main(void) {
  green_greenlet_t *t = green_spawn(ticker, NULL);
  green_greenlet_t *f = green_spawn(forker, NULL);
  green_join(f, -1.0);
  green_join(t, -1.0);
  green_release(f);
  green_release(t);
  printf("ticks: %d\n", ticks);
  return 0;
}

// libev_fatal_error.c — libev's fatal errors reach the user as a green error,
// never as "(libev) epoll_wait: Bad file descriptor" and an abort (issue 15:
// a shell that closed fd 3, then the hub's epoll fd, died with SIGABRT, exit
// 134). The hooks keep a program's close() off green's fds; a raw system call
// is the one way left to close one, so this program does that to the hub's
// epoll fd and sleeps: under the preload it must exit 70 with green's message.
#define _GNU_SOURCE
#include <dirent.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/syscall.h>
#include <unistd.h>

int main(void) {
  usleep(1000);  // the hub exists now (and has registered its fds with epoll)
  usleep(1000);
  DIR* d = opendir("/proc/self/fd");
  if (!d) return 99;
  int epfd = -1;
  for (struct dirent* e; (e = readdir(d));) {
    char path[64], target[64] = {0};
    snprintf(path, sizeof path, "/proc/self/fd/%s", e->d_name);
    if (readlink(path, target, sizeof target - 1) > 0 && strcmp(target, "anon_inode:[eventpoll]") == 0)
      epfd = atoi(e->d_name);
  }
  closedir(d);
  if (epfd < 0) {
    printf("no epoll fd: not under the preload\n");
    return 0;
  }
  printf("the hub's epoll fd is above the program's: %s\n", epfd > 100 ? "yes" : "no");
  fflush(stdout);
  syscall(SYS_close, epfd);
  usleep(1000);
  printf("still running after the hub lost its epoll fd\n");
  return 0;
}

/* stdio_stdin.c — issue 17: a thread reading commands from stdin (a pipe
 * here) with fgets while another thread ticks, and scanf of numbers from a
 * socket on stdin, numbers split across writes: the waits let the ticker
 * run. */
#define _GNU_SOURCE
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>

#include "ticker.h"

static int feed_fd;

static void say(const char* s, useconds_t pause) {
  usleep(pause);
  if (write(feed_fd, s, strlen(s)) < 0) perror("write");
}

static void* commands(void* arg) {
  (void)arg;
  say("cmd one\n", 100000);
  say("cmd two\n", 100000);
  say("quit\n", 50000);
  close(feed_fd);
  return NULL;
}

static void* numbers(void* arg) {
  (void)arg;
  say("1 2 3", 100000);
  say(" 12", 100000);  // 1234: one number in two writes, scanf refills in between
  say("34 7\n", 100000);
  say("-5", 50000);
  shutdown(feed_fd, SHUT_WR);
  return NULL;
}

int main(void) {
  ticker_start();

  int p[2];
  if (pipe(p) != 0 || dup2(p[0], 0) != 0) return 1;
  close(p[0]);
  feed_fd = p[1];
  pthread_t t;
  long ticks = ticker_ticks();
  pthread_create(&t, NULL, commands, NULL);
  char line[64];
  while (fgets(line, sizeof line, stdin)) {
    printf("command: %s", line);
    if (strcmp(line, "quit\n") == 0) break;
  }
  printf("stdin commands done, ticker ran: %s\n", ticked(ticks));
  pthread_join(t, NULL);

  int s[2];
  if (socketpair(AF_UNIX, SOCK_STREAM, 0, s) != 0 || dup2(s[0], 0) != 0) return 1;
  close(s[0]);
  clearerr(stdin);
  feed_fd = s[1];
  ticks = ticker_ticks();
  pthread_create(&t, NULL, numbers, NULL);
  int x, n = 0, r;
  long sum = 0;
  while ((r = scanf("%d", &x)) == 1) {
    printf("scanf: %d\n", x);
    sum += x;
    ++n;
  }
  printf("scanf from a socket: %d numbers, sum %ld, last %d, ticker ran: %s\n", n, sum, r, ticked(ticks));
  pthread_join(t, NULL);
  close(s[1]);
  ticker_stop();
  return 0;
}

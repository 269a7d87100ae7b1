/* stdio_popen.c — issue 17: popen + fgets + pclose of a child that answers
 * after 0.4 s while another thread ticks; and popen(..., "w") of 256 KiB
 * into a child that reads slowly. */
#define _GNU_SOURCE
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>

#include "ticker.h"

int main(void) {
  ticker_start();
  fflush(stdout);
  long ticks = ticker_ticks();
  FILE* f = popen("sleep 0.4; echo late line; echo second line", "r");
  char line[64];
  while (f && fgets(line, sizeof line, f)) printf("popen fgets: %s", line);
  int st = f ? pclose(f) : -1;
  printf("pclose: exit %d, ticker ran: %s\n", WIFEXITED(st) ? WEXITSTATUS(st) : -1, ticked(ticks));

  fflush(stdout);
  ticks = ticker_ticks();
  f = popen("sleep 0.2; wc -c", "w");
  char* block = malloc(256 * 1024);
  memset(block, 'x', 256 * 1024);
  size_t put = f ? fwrite(block, 1, 256 * 1024, f) : 0;
  printf("popen fwrite of 256 KiB to a late reader: %zu bytes, ticker ran: %s\n", put, ticked(ticks));
  fflush(stdout);
  st = f ? pclose(f) : -1;
  printf("pclose: exit %d\n", WIFEXITED(st) ? WEXITSTATUS(st) : -1);
  free(block);
  ticker_stop();
  return 0;
}

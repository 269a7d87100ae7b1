/* stdio_pipe.c — issue 17: stdio on pipes waits without stopping the other
 * threads: fgets of lines that arrive later and in pieces, an fread of 1 MiB
 * fed in 4 KiB pieces, an fprintf of 1 MiB into a pipe drained slowly; and a
 * FILE whose fd the program made O_NONBLOCK keeps glibc's EAGAIN + error
 * flag. */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdio_ext.h>
#include <stdlib.h>
#include <string.h>
#include <wchar.h>

#include "ticker.h"

enum { kMiB = 1 << 20, kPiece = 4096 };

static void* line_writer(void* arg) {
  FILE* w = arg;
  usleep(100000);
  fputs("first li", w);  // one line in two writes: fgets needs two refills
  fflush(w);
  usleep(100000);
  fputs("ne\nsecond line\n", w);
  fflush(w);
  usleep(50000);
  fprintf(w, "third line %d\n", 3);
  fclose(w);
  return NULL;
}

static void* piece_feeder(void* arg) {
  int fd = *(int*)arg;
  char piece[kPiece];
  for (int i = 0; i < kMiB / kPiece; ++i) {
    memset(piece, 'a' + i % 26, sizeof piece);
    if (write(fd, piece, sizeof piece) != (ssize_t)sizeof piece) break;
    if (i % 8 == 7) usleep(5000);
  }
  close(fd);
  return NULL;
}

struct drain {
  int fd;
  long bytes;
  unsigned long sum;
};

static void* slow_drainer(void* arg) {
  struct drain* d = arg;
  char buf[kPiece];
  ssize_t n;
  for (int i = 0; (n = read(d->fd, buf, sizeof buf)) > 0; ++i) {
    d->bytes += n;
    for (ssize_t k = 0; k < n; ++k) d->sum += (unsigned char)buf[k];
    if (i % 16 == 15) usleep(5000);
  }
  close(d->fd);
  return NULL;
}

static void lines(void) {
  int p[2];
  if (pipe(p) != 0) return;
  FILE* r = fdopen(p[0], "r");
  FILE* w = fdopen(p[1], "w");
  pthread_t t;
  long ticks = ticker_ticks();
  pthread_create(&t, NULL, line_writer, w);
  char line[64];
  while (fgets(line, sizeof line, r)) printf("fgets: %s", line);
  printf("fgets at the end: eof %s, error %s, ticker ran: %s\n", feof(r) ? "yes" : "no", ferror(r) ? "yes" : "no",
         ticked(ticks));
  pthread_join(t, NULL);
  fclose(r);
}

/* A wide-oriented FILE reads through glibc's other vtable (_IO_wfile_jumps). */
static void wide_line(void) {
  int p[2];
  if (pipe(p) != 0) return;
  FILE* r = fdopen(p[0], "r");
  FILE* w = fdopen(p[1], "w");
  fwide(r, 1);
  pthread_t t;
  long ticks = ticker_ticks();
  pthread_create(&t, NULL, line_writer, w);
  wchar_t line[64];
  int n = 0;
  while (fgetws(line, 64, r)) ++n;
  printf("fgetws: %d lines, ticker ran: %s\n", n, ticked(ticks));
  pthread_join(t, NULL);
  fclose(r);
}

static void fread_mib(void) {
  int p[2];
  if (pipe(p) != 0) return;
  FILE* r = fdopen(p[0], "r");
  char* buf = malloc(kMiB + 1);
  pthread_t t;
  long ticks = ticker_ticks();
  pthread_create(&t, NULL, piece_feeder, &p[1]);
  size_t got = fread(buf, 1, kMiB + 1, r);
  int right = 1;
  for (size_t i = 0; i < got; ++i) right &= buf[i] == 'a' + (int)(i / kPiece) % 26;
  printf("fread of 1 MiB in 4 KiB pieces: %zu bytes, in order: %s, eof %s, ticker ran: %s\n", got, right ? "yes" : "no",
         feof(r) ? "yes" : "no", ticked(ticks));
  pthread_join(t, NULL);
  free(buf);
  fclose(r);
}

static void fprintf_mib(void) {
  int p[2];
  if (pipe(p) != 0) return;
  FILE* w = fdopen(p[1], "w");
  char* text = malloc(kMiB + 1);
  unsigned long sum = 0;
  for (int i = 0; i < kMiB; ++i) {
    text[i] = (char)('A' + i % 26);
    sum += (unsigned char)text[i];
  }
  text[kMiB] = 0;
  struct drain d = {p[0], 0, 0};
  pthread_t t;
  long ticks = ticker_ticks();
  pthread_create(&t, NULL, slow_drainer, &d);
  int n = fprintf(w, "%s", text);
  int closed = fclose(w);
  pthread_join(t, NULL);
  printf(
      "fprintf of 1 MiB into a slow pipe: returned %d, fclose %d, drained %ld bytes, same bytes: %s, "
      "ticker ran: %s\n",
      n, closed, d.bytes, d.sum == sum ? "yes" : "no", ticked(ticks));
  free(text);
}

static void nonblocking(void) {
  int p[2];
  if (pipe2(p, O_NONBLOCK) != 0) return;
  FILE* r = fdopen(p[0], "r");
  FILE* w = fdopen(p[1], "w");
  errno = 0;
  int c = fgetc(r);
  printf("O_NONBLOCK fgetc on an empty pipe: %s, error flag %s, errno EAGAIN: %s\n", c == EOF ? "EOF" : "a byte",
         ferror(r) ? "yes" : "no", errno == EAGAIN ? "yes" : "no");
  char* big = calloc(kMiB, 1);
  errno = 0;
  size_t put = fwrite(big, 1, kMiB, w);
  printf("O_NONBLOCK fwrite of 1 MiB into a 64 KiB pipe: short %s, error flag %s, errno EAGAIN: %s\n",
         put < kMiB ? "yes" : "no", ferror(w) ? "yes" : "no", errno == EAGAIN ? "yes" : "no");
  free(big);
  fclose(r);
  clearerr(w);
  __fpurge(w);  // what stays buffered cannot go anywhere: the reader is gone
  fclose(w);
}

int main(void) {
  signal(SIGPIPE, SIG_IGN);
  ticker_start();
  lines();
  wide_line();
  fread_mib();
  fprintf_mib();
  nonblocking();
  ticker_stop();
  return 0;
}

/* threaded_http_server — an ordinary thread-per-connection HTTP/1.1 server in
 * plain C: one pthread per connection, blocking read and write, keep-alive,
 * a fixed small response. Not linked to green: it is the "unmodified program"
 * that `green-run --threads` runs on one OS thread (bench/http_bench.sh
 * compares it on real pthreads and under green-run).
 *
 *   threaded_http_server [port]     prints "listening on 127.0.0.1:PORT"
 *
 * Listens on 127.0.0.1 only; stops on SIGTERM/SIGINT (the default action). */
#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <pthread.h>
#include <signal.h>
#include <stdint.h>
#include <sys/socket.h>
#include <unistd.h>

#include "http_keepalive.h"

static int write_all(int fd, const char *p, size_t n) {
  while (n > 0) {
    ssize_t w = write(fd, p, n);
    if (w < 0 && errno == EINTR) continue;
    if (w <= 0) return -1;
    p += w;
    n -= (size_t)w;
  }
  return 0;
}

static void *serve(void *arg) {
  int fd = (int)(intptr_t)arg;
  char buf[4096];
  size_t len = 0;
  for (;;) {
    ssize_t r = read(fd, buf + len, sizeof buf - len);
    if (r < 0 && errno == EINTR) continue;
    if (r <= 0) break;
    len += (size_t)r;
    size_t n = http_take_requests(buf, &len);
    if (len == sizeof buf) break; /* a request larger than the buffer: give up on it */
    while (n-- > 0)
      if (write_all(fd, http_response, HTTP_RESPONSE_LEN) != 0) goto done;
  }
done:
  close(fd);
  return NULL;
}

int main(int argc, char **argv) {
  int lfd = http_listen(argc, argv, 0);
  int one = 1;
  for (;;) {
    int fd = accept(lfd, NULL, NULL);
    if (fd < 0) {
      if (errno == EINTR || errno == ECONNABORTED) continue;
      perror("threaded_http_server: accept");
      sleep(1); /* out of fds: let connections finish */
      continue;
    }
    setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
    pthread_t t;
    if (pthread_create(&t, NULL, serve, (void *)(intptr_t)fd) != 0) {
      fprintf(stderr, "threaded_http_server: cannot create a thread; dropping the connection\n");
      close(fd);
      continue;
    }
    pthread_detach(t);
  }
}

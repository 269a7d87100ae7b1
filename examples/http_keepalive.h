/* http_keepalive.h — the tiny HTTP/1.1 keep-alive logic shared by the two
 * benchmark servers (examples/threaded_http_server.c and
 * bench/epoll_http_server.c), so that they differ only in how they wait.
 *
 * Requests are GETs without bodies (what wrk sends); each complete request
 * (headers ended by an empty line) is answered with the same small response.
 * Plain C, no green: the threaded server must stay an ordinary program. */
#ifndef GREEN_EXAMPLES_HTTP_KEEPALIVE_H
#define GREEN_EXAMPLES_HTTP_KEEPALIVE_H

#include <arpa/inet.h>
#include <netinet/in.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>

static const char http_response[] =
    "HTTP/1.1 200 OK\r\n"
    "Content-Type: text/plain\r\n"
    "Content-Length: 13\r\n"
    "\r\n"
    "Hello, world\n";
#define HTTP_RESPONSE_LEN (sizeof http_response - 1)

/* http_take_requests: count the complete requests at the start of buf[0..*len),
 * drop them from the buffer and return the count. A request that is not
 * complete yet stays for the next read. */
static inline size_t http_take_requests(char *buf, size_t *len) {
  size_t count = 0, used = 0;
  for (;;) {
    const char *end = NULL;
    for (size_t i = used; i + 3 < *len; ++i)
      if (buf[i] == '\r' && buf[i + 1] == '\n' && buf[i + 2] == '\r' && buf[i + 3] == '\n') {
        end = buf + i + 4;
        break;
      }
    if (!end) break;
    used = (size_t)(end - buf);
    ++count;
  }
  memmove(buf, buf + used, *len - used);
  *len -= used;
  return count;
}

/* http_listen: the listening socket on 127.0.0.1 at the port given as
 * argv[1] (0 or absent: any free port), `type_flags` added to SOCK_STREAM.
 * Prints "listening on 127.0.0.1:PORT" and ignores SIGPIPE; exits on failure. */
static inline int http_listen(int argc, char **argv, int type_flags) {
  long port = 0;
  if (argc >= 2) {
    char *end = NULL;
    port = strtol(argv[1], &end, 10);
    if (*end != '\0' || port < 0 || port > 65535) {
      fprintf(stderr, "usage: %s [port]   (port 0..65535, 0 = any free port)\n", argv[0]);
      exit(2);
    }
  }
  signal(SIGPIPE, SIG_IGN);
  int lfd = socket(AF_INET, SOCK_STREAM | type_flags, 0);
  int one = 1;
  setsockopt(lfd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
  struct sockaddr_in a = {.sin_family = AF_INET, .sin_port = htons((uint16_t)port)};
  a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  socklen_t alen = sizeof a;
  if (lfd < 0 || bind(lfd, (struct sockaddr *)&a, sizeof a) != 0 || listen(lfd, 4096) != 0 ||
      getsockname(lfd, (struct sockaddr *)&a, &alen) != 0) {
    fprintf(stderr, "%s: cannot listen on 127.0.0.1:%ld: ", argv[0], port);
    perror(NULL);
    exit(1);
  }
  printf("listening on 127.0.0.1:%d\n", ntohs(a.sin_port));
  fflush(stdout);
  return lfd;
}

#endif

/* epoll_http_server — the same HTTP/1.1 keep-alive logic as
 * examples/threaded_http_server.c, hand-written on one epoll loop: one OS
 * thread, non-blocking sockets, level-triggered. The one-core limit that
 * green under `green-run --threads` is measured against.
 *
 *   epoll_http_server [port]     prints "listening on 127.0.0.1:PORT" */
#define _GNU_SOURCE
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <signal.h>
#include <stdint.h>
#include <sys/epoll.h>
#include <sys/socket.h>
#include <unistd.h>

#include "http_keepalive.h"

struct conn {
  int fd;
  size_t in_len, out_len, out_off;
  char in[4096];
  char *out;
  size_t out_cap;
};

static int epfd;

static void drop(struct conn *c) {
  close(c->fd); /* closing removes it from the epoll set */
  free(c->out);
  free(c);
}

/* flush: write what is pending; 0 = all written, 1 = wait for EPOLLOUT, -1 = error. */
static int flush(struct conn *c) {
  while (c->out_off < c->out_len) {
    ssize_t w = write(c->fd, c->out + c->out_off, c->out_len - c->out_off);
    if (w < 0 && errno == EINTR) continue;
    if (w < 0 && errno == EAGAIN) return 1;
    if (w <= 0) return -1;
    c->out_off += (size_t)w;
  }
  c->out_len = c->out_off = 0;
  return 0;
}

static void on_readable(struct conn *c) {
  for (;;) {
    ssize_t r = read(c->fd, c->in + c->in_len, sizeof c->in - c->in_len);
    if (r < 0 && errno == EINTR) continue;
    if (r < 0 && errno == EAGAIN) break;
    if (r <= 0) return drop(c);
    c->in_len += (size_t)r;
    size_t n = http_take_requests(c->in, &c->in_len);
    if (c->in_len == sizeof c->in) return drop(c);
    size_t need = c->out_len + n * HTTP_RESPONSE_LEN;
    if (need > c->out_cap) {
      char *p = realloc(c->out, need);
      if (!p) return drop(c);
      c->out = p;
      c->out_cap = need;
    }
    for (; n > 0; --n, c->out_len += HTTP_RESPONSE_LEN) memcpy(c->out + c->out_len, http_response, HTTP_RESPONSE_LEN);
    if ((size_t)r < sizeof c->in) break; /* drained (level-triggered: more comes as another event) */
  }
  int f = flush(c);
  if (f < 0) return drop(c);
  if (f > 0) { /* the peer is slow: wait until it can take the rest */
    struct epoll_event ev = {.events = EPOLLOUT, .data.ptr = c};
    epoll_ctl(epfd, EPOLL_CTL_MOD, c->fd, &ev);
  }
}

int main(int argc, char **argv) {
  int lfd = http_listen(argc, argv, SOCK_NONBLOCK);
  int one = 1;
  epfd = epoll_create1(0);
  struct epoll_event lev = {.events = EPOLLIN, .data.ptr = NULL};
  epoll_ctl(epfd, EPOLL_CTL_ADD, lfd, &lev);
  struct epoll_event evs[256];
  for (;;) {
    int n = epoll_wait(epfd, evs, 256, -1);
    for (int i = 0; i < n; ++i) {
      struct conn *c = evs[i].data.ptr;
      if (!c) {
        int fd;
        while ((fd = accept4(lfd, NULL, NULL, SOCK_NONBLOCK)) >= 0) {
          setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
          c = calloc(1, sizeof *c);
          if (!c) {
            close(fd);
            continue;
          }
          c->fd = fd;
          struct epoll_event ev = {.events = EPOLLIN, .data.ptr = c};
          epoll_ctl(epfd, EPOLL_CTL_ADD, fd, &ev);
        }
        continue;
      }
      if (evs[i].events & EPOLLOUT) {
        int f = flush(c);
        if (f < 0) {
          drop(c);
          continue;
        }
        if (f == 0) {
          struct epoll_event ev = {.events = EPOLLIN, .data.ptr = c};
          epoll_ctl(epfd, EPOLL_CTL_MOD, c->fd, &ev);
        }
        continue;
      }
      on_readable(c);
    }
  }
}

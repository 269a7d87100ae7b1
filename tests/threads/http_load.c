/* http_load.c — a test client: N concurrent keep-alive connections to an
 * HTTP server on 127.0.0.1, R requests on each, every response checked byte
 * for byte. With all connections open (each answered once), it counts the
 * server's OS threads — leaving out green's own helper threads ("green-...":
 * the name lookup pool, the watchdog, hand-off's spares).
 *
 *   http_load PORT CONNECTIONS REQUESTS SERVER-PID
 *
 * Prints "responses: N of M, errors: E, server OS threads with all
 * connections open: T" and exits 0 only when every response arrived intact.
 * Single-threaded (epoll), bounded by a 120 s deadline. */
#include <arpa/inet.h>
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include "http_keepalive.h"

static const char request[] = "GET / HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n";

struct conn {
  int fd;
  int done;   /* requests answered */
  size_t got; /* bytes of the current response */
  char buf[HTTP_RESPONSE_LEN];
};

static double now(void) {
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return ts.tv_sec + ts.tv_nsec / 1e9;
}

static int server_threads(int pid) {
  char path[64];
  snprintf(path, sizeof path, "/proc/%d/task", pid);
  DIR* d = opendir(path);
  if (!d) return -1;
  int n = 0;
  struct dirent* e;
  while ((e = readdir(d))) {
    if (e->d_name[0] == '.') continue;
    char comm_path[128], comm[32] = "";
    snprintf(comm_path, sizeof comm_path, "/proc/%d/task/%s/comm", pid, e->d_name);
    FILE* f = fopen(comm_path, "r");
    if (!f) continue; /* that thread ended meanwhile */
    if (!fgets(comm, sizeof comm, f)) comm[0] = 0;
    fclose(f);
    n += strncmp(comm, "green-", 6) != 0;
  }
  closedir(d);
  return n;
}

static int send_request(struct conn* c) {
  c->got = 0;
  return send(c->fd, request, sizeof request - 1, MSG_NOSIGNAL) == (ssize_t)(sizeof request - 1) ? 0 : -1;
}

int main(int argc, char** argv) {
  if (argc != 5) {
    fprintf(stderr, "usage: %s PORT CONNECTIONS REQUESTS SERVER-PID\n", argv[0]);
    return 2;
  }
  int port = atoi(argv[1]), n = atoi(argv[2]), per = atoi(argv[3]), pid = atoi(argv[4]);
  struct rlimit rl;
  getrlimit(RLIMIT_NOFILE, &rl);
  rl.rlim_cur = rl.rlim_max;
  setrlimit(RLIMIT_NOFILE, &rl);
  if (rl.rlim_cur < (rlim_t)n + 16) {
    printf("SKIP: RLIMIT_NOFILE hard limit %ld is below %d connections\n", (long)rl.rlim_max, n);
    return 77;
  }
  struct conn* cs = calloc((size_t)n, sizeof *cs);
  int ep = epoll_create1(0);
  struct sockaddr_in a = {.sin_family = AF_INET, .sin_port = htons((unsigned short)port)};
  inet_pton(AF_INET, "127.0.0.1", &a.sin_addr);
  long errors = 0, responses = 0;
  double deadline = now() + 120;
  /* Connect in blocking mode, in batches the listen backlog can hold. */
  for (int i = 0; i < n; ++i) {
    cs[i].fd = socket(AF_INET, SOCK_STREAM, 0);
    if (cs[i].fd < 0 || connect(cs[i].fd, (struct sockaddr*)&a, sizeof a) != 0) {
      fprintf(stderr, "connection %d: %s\n", i, strerror(errno));
      return 1;
    }
    fcntl(cs[i].fd, F_SETFL, O_NONBLOCK);
    struct epoll_event ev = {.events = EPOLLIN, .data.u32 = (unsigned)i};
    epoll_ctl(ep, EPOLL_CTL_ADD, cs[i].fd, &ev);
    if (send_request(&cs[i]) != 0) ++errors;
  }
  int threads = -1, open_all = 0;
  struct epoll_event evs[256];
  while (responses + errors < (long)n * per && now() < deadline) {
    int k = epoll_wait(ep, evs, 256, 1000);
    for (int e = 0; e < k; ++e) {
      struct conn* c = &cs[evs[e].data.u32];
      ssize_t r = recv(c->fd, c->buf + c->got, sizeof c->buf - c->got, 0);
      if (r <= 0) {
        if (r < 0 && errno == EAGAIN) continue;
        ++errors;
        epoll_ctl(ep, EPOLL_CTL_DEL, c->fd, NULL);
        continue;
      }
      c->got += (size_t)r;
      if (c->got < sizeof c->buf) continue;
      if (memcmp(c->buf, http_response, sizeof c->buf) != 0) ++errors;
      else ++responses;
      if (++c->done == 1 && ++open_all == n) threads = server_threads(pid);
      if (c->done < per && send_request(c) != 0) ++errors;
    }
  }
  printf("responses: %ld of %ld, errors: %ld, server OS threads with all connections open: %d\n", responses,
         (long)n * per, errors, threads);
  for (int i = 0; i < n; ++i) close(cs[i].fd);
  free(cs);
  return responses == (long)n * per && errors == 0 ? 0 : 1;
}

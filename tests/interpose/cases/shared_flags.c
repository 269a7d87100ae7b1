// shared_flags.c — no other process, and no other thread, ever sees a file
// status flag green set. accept, connect and sendfile take no "don't block"
// flag; green may switch O_NONBLOCK on for one call only where no other
// process holds the open file description, and never where a thread of this
// process could read it. A watcher process (forked, so it shares the
// descriptions) reads F_GETFL of the shared sockets as fast as it can while
// this process accepts, connects and sendfiles on them: natively it never sees
// O_NONBLOCK, and under the preload it must not either. sendfile's bytes, its
// offset and the file position are compared too (green copies where it
// cannot switch the flag), and two threads accept on one listener of this
// process's own while a third connects: no accept may fail.
#define _GNU_SOURCE
#include <arpa/inet.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdint.h>
#include <sys/mman.h>
#include <sys/sendfile.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include "check.h"

#define CHECK(expr)                                               \
  do {                                                            \
    if (!(expr)) {                                                \
      fprintf(stderr, "%s failed: %s\n", #expr, strerror(errno)); \
      exit(2);                                                    \
    }                                                             \
  } while (0)

enum { kAccepts = 300, kConnects = 64, kThreadConns = 400, kFileBytes = 2 << 20 };

static int listener(struct sockaddr_in* addr) {
  int fd = socket(AF_INET, SOCK_STREAM, 0);
  CHECK(fd >= 0);
  memset(addr, 0, sizeof *addr);
  addr->sin_family = AF_INET;
  addr->sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  CHECK(bind(fd, (struct sockaddr*)addr, sizeof *addr) == 0);
  socklen_t len = sizeof *addr;
  CHECK(getsockname(fd, (struct sockaddr*)addr, &len) == 0);
  CHECK(listen(fd, 512) == 0);
  return fd;
}

// --- The watcher: another process holding the same descriptions. ---------
struct Shared {
  atomic_int ready, stop;
  atomic_long reads, seen;
};
static struct Shared* g_shared;
static pid_t g_watcher;

static void watch(const int* fds, int n) {
  atomic_store(&g_shared->ready, 0);
  atomic_store(&g_shared->stop, 0);
  atomic_store(&g_shared->reads, 0);
  atomic_store(&g_shared->seen, 0);
  g_watcher = fork();
  CHECK(g_watcher >= 0);
  if (g_watcher == 0) {
    atomic_store(&g_shared->ready, 1);
    long reads = 0, seen = 0;
    while (!atomic_load(&g_shared->stop))
      for (int i = 0; i < n; ++i, ++reads)
        if (fcntl(fds[i], F_GETFL) & O_NONBLOCK) ++seen;
    atomic_store(&g_shared->reads, reads);
    atomic_store(&g_shared->seen, seen);
    _exit(0);
  }
  while (!atomic_load(&g_shared->ready)) usleep(1000);
}

static void unwatch(const char* what) {
  atomic_store(&g_shared->stop, 1);
  int status = 0;
  CHECK(waitpid(g_watcher, &status, 0) == g_watcher);
  CHECK(WIFEXITED(status) && WEXITSTATUS(status) == 0);
  CHECK(atomic_load(&g_shared->reads) > 0);
  printf("%s: another process saw O_NONBLOCK %ld times\n", what, atomic_load(&g_shared->seen));
  fflush(stdout);
}

// --- accept on a shared listener. -----------------------------------------
static struct sockaddr_in g_addr;

static void* connect_many(void* arg) {
  long n = (long)arg;
  for (long i = 0; i < n; ++i) {
    int c = socket(AF_INET, SOCK_STREAM, 0);
    CHECK(c >= 0);
    CHECK(connect(c, (struct sockaddr*)&g_addr, sizeof g_addr) == 0);
    char b;
    CHECK(read(c, &b, 1) == 0);  // the acceptor closes it
    close(c);
  }
  return NULL;
}

static void shared_accept(void) {
  int l = listener(&g_addr);
  watch(&l, 1);
  pthread_t t;
  CHECK(pthread_create(&t, NULL, connect_many, (void*)(long)kAccepts) == 0);
  int accepted = 0;
  for (int i = 0; i < kAccepts; ++i) {
    int c = accept(l, NULL, NULL);
    if (c < 0) {
      printf("accept: -1 %s\n", err_name(errno));
      continue;
    }
    ++accepted;
    close(c);
  }
  pthread_join(t, NULL);
  printf("accept on a shared listener: %d accepted\n", accepted);
  unwatch("accept on a shared listener");
  // The user's own O_NONBLOCK on it still answers at once.
  CHECK(fcntl(l, F_SETFL, fcntl(l, F_GETFL) | O_NONBLOCK) == 0);
  SHOW("accept, O_NONBLOCK set by the program, nothing pending", accept(l, NULL, NULL));
  close(l);
}

// --- connect on shared sockets. -------------------------------------------
static void* accept_many(void* arg) {
  int l = (int)(long)arg;
  for (int i = 0; i < kConnects; ++i) {
    int c = accept(l, NULL, NULL);
    CHECK(c >= 0);
    close(c);
  }
  return NULL;
}

static void shared_connect(void) {
  int l = listener(&g_addr);
  int fds[kConnects];
  for (int i = 0; i < kConnects; ++i) CHECK((fds[i] = socket(AF_INET, SOCK_STREAM, 0)) >= 0);
  watch(fds, kConnects);
  pthread_t t;
  CHECK(pthread_create(&t, NULL, accept_many, (void*)(long)l) == 0);
  int connected = 0;
  for (int i = 0; i < kConnects; ++i) {
    if (connect(fds[i], (struct sockaddr*)&g_addr, sizeof g_addr) == 0) ++connected;
    else printf("connect: -1 %s\n", err_name(errno));
  }
  pthread_join(t, NULL);
  printf("connect on shared sockets: %d connected\n", connected);
  SHOW("connect again", connect(fds[0], (struct sockaddr*)&g_addr, sizeof g_addr));
  unwatch("connect on shared sockets");
  for (int i = 0; i < kConnects; ++i) close(fds[i]);
  close(l);
}

// --- sendfile to a shared socket. -----------------------------------------
struct Sum {
  int fd;
  long bytes;
  uint64_t sum;
};

static void* drain(void* arg) {
  struct Sum* s = arg;
  char buf[65536];
  ssize_t n;
  while ((n = read(s->fd, buf, sizeof buf)) > 0) {
    for (ssize_t i = 0; i < n; ++i) s->sum = s->sum * 31 + (unsigned char)buf[i];
    s->bytes += n;
    usleep(200);  // a slow reader: sendfile must wait, and the watcher gets a CPU
  }
  return NULL;
}

static void shared_sendfile(void) {
  char path[] = "/tmp/green-shared-flags-XXXXXX";
  int file = mkstemp(path);
  CHECK(file >= 0);
  unlink(path);
  static char block[65536];
  for (long done = 0; done < kFileBytes; done += (long)sizeof block) {
    for (size_t i = 0; i < sizeof block; ++i) block[i] = (char)((done + (long)i) * 7 % 251);
    CHECK(write(file, block, sizeof block) == (ssize_t)sizeof block);
  }
  int l = listener(&g_addr);
  int a = socket(AF_INET, SOCK_STREAM, 0);
  CHECK(a >= 0);
  CHECK(connect(a, (struct sockaddr*)&g_addr, sizeof g_addr) == 0);
  struct Sum s = {accept(l, NULL, NULL), 0, 0};
  CHECK(s.fd >= 0);
  close(l);
  watch(&a, 1);
  pthread_t t;
  CHECK(pthread_create(&t, NULL, drain, &s) == 0);
  off_t off = 4096;
  SHOW("sendfile from offset 4096", sendfile(a, file, &off, kFileBytes));
  printf("offset after: %ld, file position: %ld\n", (long)off, (long)lseek(file, 0, SEEK_CUR));
  CHECK(lseek(file, 1000, SEEK_SET) == 1000);
  SHOW("sendfile from the file position 1000", sendfile(a, file, NULL, 1 << 20));
  printf("file position after: %ld\n", (long)lseek(file, 0, SEEK_CUR));
  SHOW("sendfile at the end of the file", sendfile(a, file, NULL, 100));
  shutdown(a, SHUT_WR);
  pthread_join(t, NULL);
  printf("received %ld bytes, checksum %016llx\n", s.bytes, (unsigned long long)s.sum);
  unwatch("sendfile to a shared socket");
  close(a);
  close(s.fd);
  close(file);
}

// --- two threads accept on one listener of this process's own. -----------
static atomic_int g_accepted, g_failed;

static void* acceptor(void* arg) {
  int l = (int)(long)arg;
  for (;;) {
    int c = accept(l, NULL, NULL);
    if (c < 0) {
      atomic_fetch_add(&g_failed, 1);
      continue;
    }
    atomic_fetch_add(&g_accepted, 1);
    char b = 0;
    CHECK(read(c, &b, 1) == 1);
    close(c);
    if (b == 'q') return NULL;
  }
}

static void threads_accept(void) {
  int l = listener(&g_addr);
  pthread_t t[2];
  for (int i = 0; i < 2; ++i) CHECK(pthread_create(&t[i], NULL, acceptor, (void*)(long)l) == 0);
  for (int i = 0; i < kThreadConns + 2; ++i) {
    int c = socket(AF_INET, SOCK_STREAM, 0);
    CHECK(c >= 0);
    CHECK(connect(c, (struct sockaddr*)&g_addr, sizeof g_addr) == 0);
    char b = i < kThreadConns ? 'x' : 'q';
    CHECK(write(c, &b, 1) == 1);
    char e;
    CHECK(read(c, &e, 1) == 0);
    close(c);
  }
  for (int i = 0; i < 2; ++i) pthread_join(t[i], NULL);
  printf("two threads accepting: %d accepted, %d failed\n", atomic_load(&g_accepted), atomic_load(&g_failed));
  close(l);
}

int main(void) {
  g_shared = mmap(NULL, sizeof *g_shared, PROT_READ | PROT_WRITE, MAP_SHARED | MAP_ANONYMOUS, -1, 0);
  CHECK(g_shared != MAP_FAILED);
  shared_accept();
  shared_connect();
  shared_sendfile();
  threads_accept();
  return 0;
}

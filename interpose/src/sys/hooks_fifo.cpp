// sys/hooks_fifo.cpp — opening a FIFO that waits for the other end parks the
// greenlet.
//
// open(2) of a FIFO without O_NONBLOCK waits for the other end: a reader for
// a writer, a writer for a reader (O_RDWR never waits on Linux). Only opens
// of a FIFO are touched: the path is looked at first (one fstatat), anything
// else — regular files, devices, O_NONBLOCK, O_PATH, O_RDWR — goes straight
// to libc.
//   - writer: open with O_NONBLOCK fails with ENXIO while there is no reader;
//     the greenlet tries again after a back-off (1 ms doubling to 20 ms).
//     Once open, O_NONBLOCK is cleared again: the open file description is
//     brand new and only ours, so the flag the program sees is its own.
//   - reader: the kernel gives no way to see whether a writer has opened, so
//     the blocking open itself runs on green's thread pool while the
//     greenlet waits; it returns when the writer arrives, as natively. If
//     the greenlet stops waiting (kill, cancel), the fd the pool thread gets
//     later is closed.
// Signals: a handler without SA_RESTART ends a writer's wait with EINTR, as
// natively; a reader's wait on the pool is not interrupted by signals.
// fopen() of a FIFO opens through glibc's internal open and still blocks the
// thread (docs/interposition.md). In green-threads mode a path naming a green
// thread's /proc entry by its id is translated first (threads/identity.h).
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <cerrno>
#include <chrono>
#include <cstdarg>
#include <memory>
#include <string>
#include <utility>

#include "gate/park.h"
#include "gate/real.h"
#include "green/threadpool.h"
#include "threads/identity.h"

namespace gi = green::interpose;
using gi::Hook;

namespace {

bool waits_for_peer(int dirfd, const char* path, int flags) {
  if (flags & (O_NONBLOCK | O_PATH | O_DIRECTORY)) return false;
  if ((flags & (O_CREAT | O_EXCL)) == (O_CREAT | O_EXCL)) return false;  // makes a new file, never opens a FIFO
  int acc = flags & O_ACCMODE;
  if (acc != O_RDONLY && acc != O_WRONLY) return false;
  struct stat st;
  int saved = errno;
  bool fifo = path && ::fstatat(dirfd, path, &st, (flags & O_NOFOLLOW) ? AT_SYMLINK_NOFOLLOW : 0) == 0 &&
              S_ISFIFO(st.st_mode);
  errno = saved;
  return fifo;
}

template <class Open>
int open_writer(Hook h, int flags, Open open) {
  const int saved = errno;
  auto backoff = std::chrono::milliseconds(1);
  for (;;) {
    int fd = open(flags | O_NONBLOCK);
    if (fd >= 0) {
      int fl = REAL(fcntl)(fd, F_GETFL);
      if (fl >= 0) REAL(fcntl)(fd, F_SETFL, fl & ~O_NONBLOCK);
      errno = saved;
      return fd;
    }
    if (errno != ENXIO) return -1;
    errno = saved;
    if (gi::sleep_until(h, gi::Deadline::after(backoff), gi::OnSignal::restart) < 0) return -1;  // EINTR
    backoff = std::min(backoff * 2, std::chrono::milliseconds(20));
  }
}

// open_reader: the blocking open on a pool thread (see top). `path` is copied:
// the pool thread may outlive the caller's string.
int open_reader(int dirfd, const char* path, int flags) {
  struct Shared {
    std::atomic<bool> gone{false};
    std::atomic<int> fd{-1};
  };
  auto sh = std::make_shared<Shared>();
  auto name = std::make_shared<std::string>(path);
  struct GiveUp {
    std::shared_ptr<Shared> sh;
    bool done = false;
    ~GiveUp() {
      if (done) return;
      sh->gone.store(true);
      int fd = sh->fd.exchange(-2);
      if (fd >= 0) REAL(close)(fd);
    }
  } give_up{sh};
  auto [fd, err] = green::run_in_thread([dirfd, name, flags, sh]() -> std::pair<int, int> {
    int r = REAL(openat)(dirfd, name->c_str(), flags);
    int e = errno;
    if (r >= 0 && sh->fd.exchange(r) == -2) REAL(close)(r);  // the caller gave up meanwhile
    return {r, e};
  });
  give_up.done = true;
  if (fd < 0) errno = err;
  return fd;
}

// open_fifo: `native` is the hooked call itself, made unchanged.
template <class Native>
int open_fifo(Hook h, int dirfd, const char* path, int flags, mode_t mode, Native native) {
  if (!gi::active(h) || !waits_for_peer(dirfd, path, flags)) return native();
  gi::count(h, gi::Why::green);
  return gi::barrier(h, native, [&] {
    if ((flags & O_ACCMODE) == O_WRONLY)
      return open_writer(h, flags, [&](int f) { return REAL(openat)(dirfd, path, f, mode); });
    return open_reader(dirfd, path, flags);
  });
}

mode_t mode_arg(int flags, va_list ap) {
  return (flags & (O_CREAT | O_TMPFILE)) ? static_cast<mode_t>(va_arg(ap, unsigned)) : 0;
}

// GREEN_OPEN_MODE(mode, flags): declares `mode`, the optional argument after
// `flags` of an open-family call, read only when the flags say it was passed
// (as glibc does). A macro because va_start works only in the variadic
// function itself.
#define GREEN_OPEN_MODE(mode, flags) \
  mode_t mode;                       \
  do {                               \
    va_list ap_;                     \
    va_start(ap_, flags);            \
    mode = mode_arg(flags, ap_);     \
    va_end(ap_);                     \
  } while (0)

}  // namespace

extern "C" {

int open(const char* path, int flags, ...) {
  GREEN_TASK_PATH(path);
  GREEN_OPEN_MODE(mode, flags);
  return open_fifo(Hook::open, AT_FDCWD, path, flags, mode, [&] { return REAL(open)(path, flags, mode); });
}

int open64(const char* path, int flags, ...) {
  GREEN_TASK_PATH(path);
  GREEN_OPEN_MODE(mode, flags);
  return open_fifo(Hook::open64, AT_FDCWD, path, flags, mode, [&] { return REAL(open64)(path, flags, mode); });
}

int openat(int dirfd, const char* path, int flags, ...) {
  GREEN_TASK_PATH(path);
  GREEN_OPEN_MODE(mode, flags);
  return open_fifo(Hook::openat, dirfd, path, flags, mode, [&] { return REAL(openat)(dirfd, path, flags, mode); });
}

int openat64(int dirfd, const char* path, int flags, ...) {
  GREEN_TASK_PATH(path);
  GREEN_OPEN_MODE(mode, flags);
  return open_fifo(Hook::openat64, dirfd, path, flags, mode, [&] { return REAL(openat64)(dirfd, path, flags, mode); });
}

// The fortified entry points (-D_FORTIFY_SOURCE) for opens without O_CREAT.
// glibc's own check (O_CREAT without a mode aborts) stays glibc's.
int __open_2(const char* path, int flags) {
  GREEN_TASK_PATH(path);
  if (flags & (O_CREAT | O_TMPFILE)) return REAL(__open_2)(path, flags);
  return open_fifo(Hook::__open_2, AT_FDCWD, path, flags, 0, [&] { return REAL(__open_2)(path, flags); });
}
int __open64_2(const char* path, int flags) {
  GREEN_TASK_PATH(path);
  if (flags & (O_CREAT | O_TMPFILE)) return REAL(__open64_2)(path, flags);
  return open_fifo(Hook::__open64_2, AT_FDCWD, path, flags, 0, [&] { return REAL(__open64_2)(path, flags); });
}
int __openat_2(int dirfd, const char* path, int flags) {
  GREEN_TASK_PATH(path);
  if (flags & (O_CREAT | O_TMPFILE)) return REAL(__openat_2)(dirfd, path, flags);
  return open_fifo(Hook::__openat_2, dirfd, path, flags, 0, [&] { return REAL(__openat_2)(dirfd, path, flags); });
}

}  // extern "C"

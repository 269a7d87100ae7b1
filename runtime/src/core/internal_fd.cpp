// core/internal_fd.cpp — see internal_fd.h.
#include "core/internal_fd.h"

#include <fcntl.h>
#include <sys/resource.h>
#include <sys/syscall.h>
#include <unistd.h>

#include <atomic>
#include <cerrno>
#include <cstdint>

namespace green::detail {

namespace {

// Above this, the kernel's per-process fd table (copied by every fork) would
// grow for green's sake alone: with a soft limit of a million, fds at the top
// would cost each forked child megabytes.
constexpr int kTopCap = 65536;
// How far below the top green's fds start: a hub takes three, a waitpid one.
constexpr int kBand = 32;

// One bit per number below kTopCap; numbers above it (only when nothing up
// there was free) are not protected.
constexpr int kWords = kTopCap / 64;
std::atomic<std::uint64_t> g_bits[kWords];

thread_local int t_scope_depth = 0;

// Raw system calls: the interposer hooks fcntl and close, and these must be
// invisible to it (they run while a hub is being built or torn down).
int raw_dupfd_cloexec(int fd, int from) noexcept {
  return static_cast<int>(::syscall(SYS_fcntl, fd, F_DUPFD_CLOEXEC, from));
}
void raw_close(int fd) noexcept { ::syscall(SYS_close, fd); }

int top_of_range() noexcept {
  rlimit rl{};
  if (::getrlimit(RLIMIT_NOFILE, &rl) != 0 || rl.rlim_cur == RLIM_INFINITY || rl.rlim_cur > kTopCap) return kTopCap;
  return static_cast<int>(rl.rlim_cur);
}

void set_bit(int fd, bool on) noexcept {
  if (fd < 0 || fd >= kTopCap) return;
  std::uint64_t mask = std::uint64_t{1} << (fd % 64);
  if (on) {
    g_bits[fd / 64].fetch_or(mask, std::memory_order_acq_rel);
  } else {
    g_bits[fd / 64].fetch_and(~mask, std::memory_order_acq_rel);
  }
}

}  // namespace

int place_internal_fd(int fd) noexcept {
  if (fd < 0) return fd;
  int saved = errno;
  const int top = top_of_range();
  int moved = -1;
  // The band first; when a program filled it, wider steps down (never below
  // the first tenth of the range: that is where programs live).
  for (int below = kBand; moved < 0 && below <= top - top / 10; below *= 4) {
    if (fd >= top - below) break;  // already up there
    moved = raw_dupfd_cloexec(fd, top - below);
  }
  if (moved >= 0) {
    raw_close(fd);
    fd = moved;
  } else {
    ::syscall(SYS_fcntl, fd, F_SETFD, FD_CLOEXEC);
  }
  set_bit(fd, true);
  errno = saved;
  return fd;
}

void forget_internal_fd(int fd) noexcept { set_bit(fd, false); }

void close_internal_fd(int fd) noexcept {
  if (fd < 0) return;
  int saved = errno;
  set_bit(fd, false);
  raw_close(fd);
  errno = saved;
}

bool is_internal_fd(int fd) noexcept {
  if (fd < 0 || fd >= kTopCap) return false;
  return (g_bits[fd / 64].load(std::memory_order_acquire) >> (fd % 64)) & 1;
}

int next_internal_fd(int from) noexcept {
  if (from < 0) from = 0;
  for (int w = from / 64; w < kWords; ++w) {
    std::uint64_t bits = g_bits[w].load(std::memory_order_acquire);
    if (w == from / 64) bits &= ~std::uint64_t{0} << (from % 64);
    if (bits) return w * 64 + __builtin_ctzll(bits);
  }
  return -1;
}

InternalFdScope::InternalFdScope() noexcept { ++t_scope_depth; }
InternalFdScope::~InternalFdScope() { --t_scope_depth; }
bool internal_fd_scope_active() noexcept { return t_scope_depth > 0; }

int adopt_created_fd(int fd) noexcept { return t_scope_depth > 0 ? place_internal_fd(fd) : fd; }

}  // namespace green::detail

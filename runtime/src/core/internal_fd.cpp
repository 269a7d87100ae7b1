// core/internal_fd.cpp — see internal_fd.h.
#include "core/internal_fd.h"
#include "raw_syscall.h"

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
// Who moves each registered number away (null: it cannot move). Untouched
// pages of it cost no memory.
std::atomic<InternalFdOwner*> g_owner[kTopCap];

// >= 0: how many NoPlacement are alive; -1: a placement is under way.
std::atomic<int> g_placing{0};

thread_local int t_scope_depth = 0;
thread_local InternalFdOwner* t_scope_owner = nullptr;
thread_local int t_given_up = -1;

// Raw system calls: the interposer hooks fcntl and close, and these must be
// invisible to it (they run while a hub is being built or torn down).
int raw_dupfd_cloexec(int fd, int from) noexcept {
  return static_cast<int>(green::detail::sys(SYS_fcntl, fd, F_DUPFD_CLOEXEC, from));
}
void raw_close(int fd) noexcept { green::detail::sys(SYS_close, fd); }

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

// Placing: the writer's side of NoPlacement, around finding a number and
// registering it. Spins: the other side holds it for one dup2.
struct Placing {
  Placing() noexcept {
    for (int idle = 0; !g_placing.compare_exchange_weak(idle, -1, std::memory_order_acquire); idle = 0)
      green::detail::sys(SYS_sched_yield);
  }
  ~Placing() { g_placing.store(0, std::memory_order_release); }
};

// dup_high: a close-on-exec duplicate of `fd` at the top of the range: the
// band first; when a program filled it, wider steps down (never below the
// first tenth of the range: that is where programs live). -1 if none.
int dup_high(int fd) noexcept {
  const int top = top_of_range();
  int moved = -1;
  for (int below = kBand; moved < 0 && below <= top - top / 10; below *= 4) moved = raw_dupfd_cloexec(fd, top - below);
  return moved;
}

void register_fd(int fd, InternalFdOwner* owner, bool on = true) noexcept {
  if (fd < 0 || fd >= kTopCap) return;
  g_owner[fd].store(on ? owner : nullptr, std::memory_order_release);
  set_bit(fd, on);
}

}  // namespace

int place_internal_fd(int fd, InternalFdOwner* owner) noexcept {
  if (fd < 0) return fd;
  int saved = errno;
  Placing placing;
  int moved = fd >= top_of_range() - kBand ? -1 : dup_high(fd);  // else already up there
  if (moved >= 0) {
    raw_close(fd);
    fd = moved;
  } else {
    green::detail::sys(SYS_fcntl, fd, F_SETFD, FD_CLOEXEC);
  }
  register_fd(fd, owner);
  errno = saved;
  return fd;
}

int move_internal_fd(int fd, InternalFdOwner* owner) noexcept {
  int saved = errno;
  Placing placing;
  int moved = dup_high(fd);
  if (moved >= 0) register_fd(moved, owner);
  errno = saved;
  return moved;
}

int claim_internal_fd(int fd) noexcept {
  if (!is_internal_fd(fd) || internal_fd_scope_active()) return 0;
  InternalFdOwner* owner = g_owner[fd].exchange(nullptr, std::memory_order_acq_rel);
  if (!owner) {
    errno = EBUSY;
    return -1;
  }
  set_bit(fd, false);
  owner->release(fd);
  return 1;
}

void forget_internal_fd(int fd) noexcept { register_fd(fd, nullptr, false); }

void close_internal_fd(int fd) noexcept {
  if (fd < 0) return;
  int saved = errno;
  register_fd(fd, nullptr, false);
  raw_close(fd);
  errno = saved;
}

bool is_internal_fd(int fd) noexcept {
  if (fd < 0 || fd >= kTopCap) return false;
  return (g_bits[fd / 64].load(std::memory_order_acquire) >> (fd % 64)) & 1;
}

int next_internal_fd(int from, int before) noexcept {
  if (from < 0) from = 0;
  if (before > kTopCap) before = kTopCap;
  for (int w = from / 64; w * 64 < before; ++w) {
    std::uint64_t bits = g_bits[w].load(std::memory_order_acquire);
    if (w == from / 64) bits &= ~std::uint64_t{0} << (from % 64);
    if (bits) {
      int fd = w * 64 + __builtin_ctzll(bits);
      return fd < before ? fd : -1;
    }
  }
  return -1;
}

NoPlacement::NoPlacement() noexcept {
  for (int n = g_placing.load(std::memory_order_relaxed);;) {
    if (n >= 0 && g_placing.compare_exchange_weak(n, n + 1, std::memory_order_acquire)) return;
    if (n < 0) {
      green::detail::sys(SYS_sched_yield);
      n = g_placing.load(std::memory_order_relaxed);
    }
  }
}
NoPlacement::~NoPlacement() { g_placing.fetch_sub(1, std::memory_order_release); }

InternalFdScope::InternalFdScope(InternalFdOwner* owner, int given_up) noexcept
    : saved_owner_(t_scope_owner), saved_given_up_(t_given_up) {
  ++t_scope_depth;
  t_scope_owner = owner;
  t_given_up = given_up;
}
InternalFdScope::~InternalFdScope() {
  --t_scope_depth;
  t_scope_owner = saved_owner_;
  t_given_up = saved_given_up_;
}
int InternalFdScope::given_up_left() const noexcept { return t_given_up; }
bool internal_fd_scope_active() noexcept { return t_scope_depth > 0; }

int adopt_created_fd(int fd) noexcept { return t_scope_depth > 0 ? place_internal_fd(fd, t_scope_owner) : fd; }

bool internal_close_given_up(int fd) noexcept {
  if (t_scope_depth == 0 || fd < 0 || fd != t_given_up) return false;
  t_given_up = -1;  // libev closes it once
  return true;
}

}  // namespace green::detail

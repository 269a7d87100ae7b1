// threads/hooks_futex.cpp — green-threads mode: futex waits made through syscall(3).
//
// libstdc++ waits with raw futexes for std::future/std::promise, std::async,
// std::atomic::wait, std::counting_semaphore, std::latch and std::barrier —
// through the syscall() function, which this hook sees (glibc's own futexes
// are inline system calls and never come here). A greenlet's FUTEX_WAIT parks
// it in the parking lot under the futex address; FUTEX_WAKE wakes parked
// greenlets first, then the kernel's waiters (OS threads) for the rest. A call
// that names a thread by id goes through identity.h first. Every other system
// call, and every futex operation green does not model
// (requeue, PI, bit-selective waits), goes to the kernel unchanged.
#include <errno.h>
#include <linux/futex.h>
#include <stdarg.h>
#include <sys/syscall.h>
#include <time.h>
#include <unistd.h>

#include <atomic>
#include <climits>
#include <cstdint>

#include "gate/real.h"
#include "runtime_internal.h"
#include "threads/identity.h"
#include "threads/threads.h"

namespace gi = green::interpose;
namespace gt = green::interpose::threads;

namespace {

constexpr unsigned kMatchAny = 0xffffffffu;

long fail(int e) {
  errno = e;
  return -1;
}

// futex_wait: 0 when woken, -1 with EAGAIN (value changed), ETIMEDOUT, EINVAL.
long futex_wait(std::uint32_t* addr, std::uint32_t val, const gi::Deadline& d) {
  std::atomic_ref<std::uint32_t> word(*addr);
  bool changed = false;
  auto r = gi::lot::park(
      addr,
      [&] {
        changed = word.load(std::memory_order_seq_cst) != val;
        return !changed;
      },
      [] {}, d, {"futex wait (std::future, atomic wait, semaphore...)"}, nullptr, nullptr);
  if (changed) return fail(EAGAIN);
  if (r == gi::lot::Result::timed_out) return fail(ETIMEDOUT);
  return 0;
}

long futex_wake(std::uint32_t* addr, int n, long a3, long a4, long a5, long a6, int op) {
  if (n <= 0) return 0;
  int woken = 0;
  gi::lot::unpark_filter(
      addr, [] {},
      [&](const gi::lot::Waiting&, std::uintptr_t& token) {
        token = 1;
        return ++woken < n ? gi::lot::Pick::take : gi::lot::Pick::take_and_stop;
      });
  if (woken >= n) return woken;
  long more = REAL(syscall)(SYS_futex, addr, op, n - woken, a3, a4, a5, a6);
  return more < 0 ? woken : woken + more;
}

}  // namespace

// The number of arguments depends on the call, so six are read and passed
// on, as glibc's own syscall() does; the sixth comes from the caller's stack,
// where a caller passing fewer may have an ASan redzone (clang's ASan
// reported a stack-buffer-underflow there): the read is harmless, not checked.
extern "C" __attribute__((no_sanitize("address"))) long syscall(long number, ...) {
  va_list ap;
  va_start(ap, number);
  long a[6];
  for (long& x : a) x = va_arg(ap, long);
  va_end(ap);
  long result;
  if (gt::identity_syscall(number, a, result)) return result;
  if (number != SYS_futex || gt::mode() != gt::Mode::green) {
    // green's own code makes its system calls raw (raw_syscall.h); one that
    // came here anyway must not be a place where hand-off may take the green
    // thread away, in the middle of green's code.
    if (green::detail::is_green_code(__builtin_return_address(0)))
      return REAL(syscall)(number, a[0], a[1], a[2], a[3], a[4], a[5]);
    // A raw system call may block where green cannot see (a read, io_uring_enter):
    // a green thread stuck in it may go on on a spare OS thread.
    green::detail::BlockingRegion region(GREEN_CALLER_SP());
    return REAL(syscall)(number, a[0], a[1], a[2], a[3], a[4], a[5]);
  }

  auto* addr = reinterpret_cast<std::uint32_t*>(a[0]);
  int op = static_cast<int>(a[1]);
  int cmd = op & FUTEX_CMD_MASK;
  auto val = static_cast<std::uint32_t>(a[2]);
  const auto* ts = reinterpret_cast<const timespec*>(a[3]);
  switch (cmd) {
    case FUTEX_WAIT: {
      if (ts && !gi::valid_interval(ts)) return fail(EINVAL);
      return futex_wait(addr, val, ts ? gi::Deadline::within(*ts) : gi::Deadline::never());
    }
    case FUTEX_WAIT_BITSET: {
      if (static_cast<unsigned>(a[5]) != kMatchAny) break;
      if (ts && !gi::valid_interval(ts)) return fail(EINVAL);
      clockid_t clock = (op & FUTEX_CLOCK_REALTIME) ? CLOCK_REALTIME : CLOCK_MONOTONIC;
      return futex_wait(addr, val, ts ? gi::Deadline::at(clock, *ts) : gi::Deadline::never());
    }
    case FUTEX_WAKE: return futex_wake(addr, static_cast<int>(val), a[3], a[4], a[5], 0, op);
    case FUTEX_WAKE_BITSET:
      if (static_cast<unsigned>(a[5]) != kMatchAny) break;
      return futex_wake(addr, static_cast<int>(val), a[3], a[4], a[5], 0, op);
    default: break;
  }
  return REAL(syscall)(number, a[0], a[1], a[2], a[3], a[4], a[5]);
}

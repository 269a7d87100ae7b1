// sys/hooks_sleep.cpp — sleep, usleep, nanosleep, clock_nanosleep park the calling
// greenlet on a timer. A signal handler that runs meanwhile ends them early
// with EINTR and the time left, as libc does (see park.h).
#include <cerrno>
#include <chrono>

#include "gate/park.h"
#include "gate/real.h"

namespace gi = green::interpose;
using gi::Hook;

namespace {

void store_left(const gi::Deadline& d, timespec* rem) noexcept {
  if (!rem) return;
  auto left = d.left();
  auto secs = std::chrono::duration_cast<std::chrono::seconds>(left);
  rem->tv_sec = static_cast<time_t>(secs.count());
  rem->tv_nsec = static_cast<long>((left - secs).count());
}

// sleep_for: the common body. 0, or -1/EINTR with *rem set (when given).
int sleep_for(Hook h, const timespec& req, timespec* rem) {
  gi::count(h, gi::Why::green);
  gi::Deadline d = gi::Deadline::within(req);
  if (gi::sleep_until(h, d) == 0) return 0;
  store_left(d, rem);
  return -1;
}

}  // namespace

extern "C" {

unsigned int sleep(unsigned int seconds) {
  if (!gi::active(Hook::sleep)) return REAL(sleep)(seconds);
  timespec req{static_cast<time_t>(seconds), 0}, rem{};
  return gi::barrier(
      Hook::sleep, [&] { return static_cast<int>(REAL(sleep)(seconds)); },
      [&] {
        if (sleep_for(Hook::sleep, req, &rem) == 0) return 0;
        // Whole seconds left, truncated as glibc's sleep does.
        return static_cast<int>(rem.tv_sec);
      });
}

int usleep(useconds_t usec) {
  if (!gi::active(Hook::usleep)) return REAL(usleep)(usec);
  timespec req{static_cast<time_t>(usec / 1000000), static_cast<long>(usec % 1000000) * 1000};
  return gi::barrier(
      Hook::usleep, [&] { return REAL(usleep)(usec); }, [&] { return sleep_for(Hook::usleep, req, nullptr); });
}

int nanosleep(const struct timespec* req, struct timespec* rem) {
  if (!gi::active(Hook::nanosleep) || !gi::valid_interval(req)) return REAL(nanosleep)(req, rem);
  return gi::barrier(
      Hook::nanosleep, [&] { return REAL(nanosleep)(req, rem); },
      [&] { return sleep_for(Hook::nanosleep, *req, rem); });
}

int clock_nanosleep(clockid_t clock, int flags, const struct timespec* req, struct timespec* rem) {
  bool known = clock == CLOCK_REALTIME || clock == CLOCK_MONOTONIC || clock == CLOCK_BOOTTIME || clock == CLOCK_TAI;
  if (!gi::active(Hook::clock_nanosleep) || !known || !gi::valid_interval(req) || (flags & ~TIMER_ABSTIME))
    return REAL(clock_nanosleep)(clock, flags, req, rem);
  // Returns the error number instead of setting errno.
  int saved = errno;
  int r = gi::barrier(
      Hook::clock_nanosleep,
      [&] {
        int e = REAL(clock_nanosleep)(clock, flags, req, rem);
        errno = e;
        return e == 0 ? 0 : -1;
      },
      [&] {
        timespec rel = *req;
        if (flags & TIMER_ABSTIME) {
          // The time to the absolute deadline, measured once: a clock_settime
          // during the sleep is not followed (documented).
          timespec now{};
          clock_gettime(clock, &now);
          long long ns = (static_cast<long long>(req->tv_sec) - now.tv_sec) * 1000000000LL +
                         (req->tv_nsec - now.tv_nsec);
          if (ns < 0) ns = 0;
          rel = {static_cast<time_t>(ns / 1000000000LL), static_cast<long>(ns % 1000000000LL)};
          // An absolute sleep never reports the time left.
          return sleep_for(Hook::clock_nanosleep, rel, nullptr);
        }
        return sleep_for(Hook::clock_nanosleep, rel, rem);
      });
  int err = r == 0 ? 0 : errno;
  errno = saved;
  return err;
}

}  // extern "C"

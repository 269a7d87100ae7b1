// green/detail/deadline.h — when a wait gives up. The one deadline type of the
// runtime (waits, the hub's timer heap, its batch budget) and of the
// interposer (hooked calls' timeouts), so a timeout is converted to a point in
// time once and every layer agrees on what "passed" means.
//
// A Deadline is a point on CLOCK_MONOTONIC (steady_clock's clock on Linux) in
// nanoseconds, or never. Building one for green::forever and asking a never
// deadline what is left read no clock: most waits have no timeout.
#pragma once

#include <sys/time.h>
#include <time.h>

#include <compare>
#include <cstdint>
#include <limits>

#include "green/duration.h"

namespace green::detail {

// monotonic_ns: CLOCK_MONOTONIC in nanoseconds.
inline std::int64_t monotonic_ns() noexcept {
  timespec ts;
  ::clock_gettime(CLOCK_MONOTONIC, &ts);
  return static_cast<std::int64_t>(ts.tv_sec) * 1000000000 + ts.tv_nsec;
}

class Deadline {
 public:
  constexpr Deadline() noexcept = default;  // never
  static constexpr Deadline never() noexcept { return Deadline(); }
  static Deadline now() noexcept { return Deadline(monotonic_ns()); }
  // after: now + d, saturating: forever and spans too long for the clock give
  // never; a zero or negative `d` gives now (a wait that only checks).
  static Deadline after(Duration d) noexcept {
    if (d == green::forever) return never();
    const std::int64_t now = monotonic_ns();
    const std::int64_t n = d.count() < 0 ? 0 : d.count();
    return n >= kNever - now ? never() : Deadline(now + n);
  }
  // from: a SO_RCVTIMEO/SO_SNDTIMEO value, where zero means never.
  static Deadline from(const timeval& tv) noexcept {
    if (tv.tv_sec == 0 && tv.tv_usec == 0) return never();
    return after(span(tv.tv_sec, static_cast<long long>(tv.tv_usec) * 1000));
  }
  // within: a poll/nanosleep-style relative time, where zero means now.
  static Deadline within(const timespec& ts) noexcept { return after(span(ts.tv_sec, ts.tv_nsec)); }
  // at: an absolute time on `clock` (pthread_cond_timedwait style), measured
  // against that clock once, now; later changes of the clock are not followed.
  static Deadline at(clockid_t clock, const timespec& abs) noexcept {
    timespec now{};
    ::clock_gettime(clock, &now);
    return after(span(abs.tv_sec - now.tv_sec, abs.tv_nsec - now.tv_nsec));
  }

  bool forever() const noexcept { return ns_ == kNever; }
  // ns: the point on CLOCK_MONOTONIC; the largest int64 for never.
  std::int64_t ns() const noexcept { return ns_; }
  // left: the time to the deadline: forever for never, else >= 0 (zero once passed).
  Duration left() const noexcept {
    if (forever()) return green::forever;
    const std::int64_t d = ns_ - monotonic_ns();
    return Duration(d < 0 ? 0 : d);
  }
  friend constexpr auto operator<=>(Deadline, Deadline) noexcept = default;

 private:
  static constexpr std::int64_t kNever = std::numeric_limits<std::int64_t>::max();
  constexpr explicit Deadline(std::int64_t ns) noexcept : ns_(ns) {}
  // span: seconds and nanoseconds as a Duration, saturating to forever.
  static Duration span(long long sec, long long nsec) noexcept {
    constexpr long long kMaxSec = kNever / 1000000000 - 1;
    if (sec > kMaxSec) return green::forever;
    if (sec < -kMaxSec) return Duration::zero();
    return Duration(sec * 1000000000 + nsec);
  }
  std::int64_t ns_ = kNever;
};

}  // namespace green::detail

// green/duration.h — how green spells time.
//
// Every timeout in green is a std::chrono duration converted to green::Duration
// (nanoseconds). Integral durations (1s, 250ms, 10us) convert implicitly; for a
// fractional number of seconds use green::seconds(0.25).
//
//   green::sleep(250ms);
//   g.join(green::seconds(1.5));
//
// Conventions shared by every blocking call in green:
//   - green::forever (the default) means "no timeout".
//   - A zero or negative timeout means "do not wait": the call only checks.
//   - Huge finite timeouts are honoured as given, never capped.
#pragma once

#include <chrono>

namespace green {

using Duration = std::chrono::nanoseconds;

// forever: the "no timeout" value accepted by every wait.
inline constexpr Duration forever = Duration::max();

// seconds: a fractional number of seconds as a Duration. Values too large for
// nanoseconds (and NaN) mean forever.
constexpr Duration seconds(double s) noexcept {
  if (!(s < 9.2e9)) return forever;
  return Duration(static_cast<Duration::rep>(s * 1e9));
}

namespace detail {
using Deadline = std::chrono::steady_clock::time_point;

// deadline_after: now + d, saturating: forever and timeouts too large to add
// to the clock give Deadline::max() (never).
inline Deadline deadline_after(Duration d) noexcept {
  if (d == forever) return Deadline::max();  // the common case needs no clock read
  auto now = std::chrono::steady_clock::now();
  if (d >= Deadline::max() - now) return Deadline::max();
  return now + d;
}

// time_left: what remains until `deadline` (forever for Deadline::max(),
// zero or negative once it passed).
inline Duration time_left(Deadline deadline) noexcept {
  if (deadline == Deadline::max()) return forever;
  return std::chrono::duration_cast<Duration>(deadline - std::chrono::steady_clock::now());
}
}  // namespace detail

}  // namespace green

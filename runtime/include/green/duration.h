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

}  // namespace green

// green/timeout.h — bound how long a greenlet may block (gevent.Timeout).
//
//   try {
//     green::Timeout t(100ms);         // armed for the current greenlet
//     sock_read_all();                 // any blocking calls
//   } catch (const green::Timeout& e) {
//     // e == t: it was ours, not an inner one
//   }
//
// When it fires, the greenlet that armed it gets the Timeout itself (a copy
// sharing its identity: compare with ==) — or the exception given at
// construction — thrown at its next blocking point; a greenlet that never
// blocks is never interrupted. Destroying the owner disarms it. Nested
// Timeouts are told apart by ==.
//
// gevent's start/cancel/close, for a Timeout made ahead of its use:
//
//   green::Timeout t(5s, green::Timeout::deferred);   // made, not armed
//   t.start();                    // armed for the greenlet calling start()
//   t.restart(250ms);             // disarmed, armed again for 250ms from now
//   t.close();                    // disarmed for good: start() now throws
#pragma once

#include <cstdint>
#include <exception>
#include <type_traits>
#include <utility>

#include "green/duration.h"
#include "green/errors.h"

namespace green {

class Timeout : public BaseException {
 public:
  // deferred: the tag that makes a Timeout without arming it (see start).
  struct Deferred {};
  static constexpr Deferred deferred{};

  // Arm for the current greenlet. forever: never fires (a no-op Timeout).
  // A non-positive duration fires at the next blocking point.
  explicit Timeout(Duration d, std::exception_ptr exc = nullptr);
  // Make an owner that is not armed yet: nothing fires until start().
  Timeout(Duration d, Deferred, std::exception_ptr exc = nullptr);
  // A copy is not an owner: it shares the identity (==) but disarms nothing.
  Timeout(const Timeout& other) noexcept;
  Timeout& operator=(const Timeout&) = delete;
  ~Timeout() override;

  // start: arm for the greenlet calling it, to fire duration() from now
  // (forever: stays unarmed). Never switches. May be called again once the
  // Timeout fired or was cancelled. Throws std::logic_error when it is
  // pending already (use restart), was closed, or is a copy (a caught
  // Timeout is not an owner).
  void start();
  // restart: cancel, take `d` as the new duration, start. Same errors as
  // start, except that a pending Timeout is fine.
  void restart(Duration d);
  // cancel: disarm; start() may arm it again. A fired Timeout's exception is
  // already on its way.
  void cancel() noexcept;
  // close: cancel for good; start/restart then throw. Never switches.
  void close() noexcept;
  // pending: armed and not fired yet. closed: close() was called.
  bool pending() const noexcept;
  bool closed() const noexcept { return closed_; }
  Duration duration() const noexcept { return duration_; }
  const char* what() const noexcept override { return what_; }

  friend bool operator==(const Timeout& a, const Timeout& b) noexcept { return a.id_ == b.id_; }

  // expired: an unarmed Timeout with a fresh identity, for calls such as
  // Greenlet::get(timeout) that report "time ran out" by throwing.
  static Timeout expired(Duration d);

  struct State;

 private:
  struct Unarmed {};
  Timeout(Unarmed, Duration d) noexcept;
  void describe_duration() noexcept;
  void check_startable(const char* call) const;

  State* state_ = nullptr;  // owner only: the timer, made on the first start
  std::exception_ptr exc_;  // owner only: what to throw instead of the Timeout
  std::uint64_t id_;
  Duration duration_;
  bool owner_ = false;  // constructed to be armed, not a copy or expired()
  bool closed_ = false;
  char what_[64];
};

// with_timeout: run f(); if `d` passes first, return `timeout_value` instead.
// Only this call's own Timeout is caught; inner ones propagate.
template <class F, class D>
auto with_timeout(Duration d, F&& f, D&& timeout_value) -> std::invoke_result_t<F> {
  Timeout t(d);
  try {
    return std::forward<F>(f)();
  } catch (const Timeout& e) {
    if (!(e == t)) throw;
    return std::forward<D>(timeout_value);
  }
}

// with_timeout: run f(); if `d` passes first, the Timeout propagates.
template <class F>
auto with_timeout(Duration d, F&& f) -> std::invoke_result_t<F> {
  Timeout t(d);
  return std::forward<F>(f)();
}

}  // namespace green

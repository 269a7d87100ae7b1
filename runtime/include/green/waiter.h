// green/waiter.h — a one-shot mailbox between one waiting greenlet and the
// code that wakes it (gevent's Waiter). Every wait in green is built on it.
//
//   green::Waiter<int> w;
//   watch_something([&] { w.switch_(42); });   // later, from the hub or a greenlet
//   int v = w.get();                           // parks until switch_
//
// switch_/throw_ may be called before get(): get() then returns at once. A
// Waiter belongs to its hub's thread; to wake a greenlet from another OS
// thread, post to its hub (green/hub.h). Only one greenlet may wait at a time.
#pragma once

#include <exception>
#include <optional>
#include <utility>

#include "green/detail/sched.h"
#include "green/duration.h"

namespace green {

namespace detail {
class WaiterBase {
 public:
  WaiterBase() = default;
  WaiterBase(const WaiterBase&) = delete;
  WaiterBase& operator=(const WaiterBase&) = delete;

  bool ready() const noexcept { return fired_; }
  // reset: forget a delivered value so the Waiter can be used again.
  void reset() noexcept {
    fired_ = false;
    exc_ = nullptr;
  }
  // throw_: make get() throw `e`. Never blocks.
  void throw_(std::exception_ptr e) noexcept {
    exc_ = std::move(e);
    fire();
  }
  // wait: like get() but bounded; returns false (and leaves the Waiter armed)
  // when `timeout` passes first.
  bool wait(Duration timeout, const char* reason = "a Waiter") { return wait_fired(timeout, reason); }

 protected:
  void fire() noexcept {
    fired_ = true;
    if (greenlet_) wake(greenlet_);
  }
  // wait_fired: park until fired or timeout; returns whether fired.
  bool wait_fired(Duration timeout, const char* reason);
  // get_fired: get() but for the value: park until fired, then throw what
  // throw_ gave. A Timeout or kill aimed at this greenlet interrupts it.
  void get_fired(const char* reason) {
    wait_fired(forever, reason);
    if (exc_) std::rethrow_exception(exc_);
  }

  GreenletCore* greenlet_ = nullptr;  // the greenlet parked in get(), if any
  bool fired_ = false;
  std::exception_ptr exc_;
};
}  // namespace detail

template <class T = void>
class Waiter : public detail::WaiterBase {
 public:
  // switch_: deliver `v` and wake the waiter. Never blocks.
  void switch_(T v) {
    value_.emplace(std::move(v));
    fire();
  }
  // get: park until switch_/throw_; returns the value or throws. A Timeout or
  // kill aimed at this greenlet interrupts it.
  T get(const char* reason = "a Waiter") {
    get_fired(reason);
    return std::move(*value_);
  }

 private:
  std::optional<T> value_;
};

template <>
class Waiter<void> : public detail::WaiterBase {
 public:
  void switch_() noexcept { fire(); }
  void get(const char* reason = "a Waiter") { get_fired(reason); }
};

}  // namespace green

// green/event.h — one-shot signals between greenlets (gevent.event).
//
// Both classes are waitable: green::wait / green::iwait accept ranges of
// `Event*`, `AsyncResult<T>*` or std::reference_wrapper to them. Waiters are
// released in the order they started waiting (FIFO), from the hub.
// Objects belong to the hub thread that uses them; to set one from another OS
// thread, post to the hub (green/hub.h).
#pragma once

#include <algorithm>
#include <chrono>
#include <exception>
#include <optional>
#include <stdexcept>
#include <type_traits>
#include <utility>

#include "green/detail/greenlet_core.h"
#include "green/detail/waitlist.h"
#include "green/duration.h"
#include "green/errors.h"
#include "green/greenlet.h"
#include "green/timeout.h"

namespace green {

// Event: a flag greenlets can wait for.
//
//   green::Event ready;
//   green::spawn([&] { load(); ready.set(); });  ready.wait();
class Event : public detail::Linkable {
 public:
  Event() = default;
  ~Event() override = default;

  // set: raise the flag and release every current waiter (FIFO). Never
  // switches: waiters run when the caller next yields. No-op when set.
  void set() noexcept {
    if (flag_) return;
    flag_ = true;
    ++sets_;
    notify_links();
  }
  // clear: lower the flag. Waiters already released by set() still return true.
  void clear() noexcept { flag_ = false; }
  // is_set: the flag. Never switches.
  bool is_set() const noexcept { return flag_; }

  // wait: park until set() or `timeout` passes; returns true when set (or
  // released by a set() that a clear() followed), false on timeout. Returns at
  // once when already set. Kill and Timeout aimed at the caller interrupt it
  // (no waiter is left behind). Throws BlockingInHubError from the hub when it
  // would have to wait.
  bool wait(Duration timeout = forever) {
    // A set() then clear() made before we started may still have its
    // notification queued; it must not release us, so count the sets.
    const unsigned long long start = sets_;
    const auto deadline = std::chrono::steady_clock::now() + std::min(timeout, Duration(std::chrono::hours(24 * 365)));
    for (;;) {
      bool woken = detail::wait_linkable(*this, timeout, "Event.wait");
      if (flag_ || (woken && sets_ != start)) return true;
      if (!woken) return false;
      if (timeout != forever)
        timeout = std::chrono::duration_cast<Duration>(deadline - std::chrono::steady_clock::now());
    }
  }

  bool ready() const noexcept override { return flag_; }
  detail::Linkable& linkable() noexcept { return *this; }

 private:
  bool flag_ = false;
  unsigned long long sets_ = 0;  // set() transitions, to tell a stale notification
};

namespace detail {
// AsyncResultBase: the untyped part of AsyncResult — readiness and the exception.
class AsyncResultBase : public Linkable {
 public:
  bool ready() const noexcept override { return ready_; }
  // successful: ready with a value (not an exception). Never switches.
  bool successful() const noexcept { return ready_ && !exc_; }
  // exception: the exception it was completed with, else null.
  std::exception_ptr exception() const noexcept { return exc_; }
  Linkable& linkable() noexcept { return *this; }

  // set_exception: complete with `e` (get() rethrows it); replaces an earlier
  // completion. Never switches.
  void set_exception(std::exception_ptr e) noexcept {
    exc_ = std::move(e);
    complete();
  }
  // wait: park until ready or `timeout` passes; returns ready(). Never throws
  // the stored exception; Kill and Timeout interrupt it.
  bool wait(Duration timeout = forever) {
    detail::wait_linkable(*this, timeout, "AsyncResult.wait");
    return ready_;
  }

 protected:
  void complete() noexcept {
    ready_ = true;
    notify_links();
  }
  // get_wait: wait, then throw Timeout::expired or the stored exception.
  void get_wait(Duration timeout) {
    if (!wait(timeout)) throw Timeout::expired(timeout);
    if (exc_) std::rethrow_exception(exc_);
  }
  bool ready_ = false;
  std::exception_ptr exc_;
};
}  // namespace detail

// AsyncResult<T>: a value (or exception) that arrives later, for any number
// of waiting greenlets. Also a link target: `g.link(std::ref(result))` copies
// a Greenlet<T>'s outcome into it.
//
//   green::AsyncResult<int> r;
//   green::spawn([&] { r.set(42); });  int v = r.get();
template <class T>
class AsyncResult : public detail::AsyncResultBase {
 public:
  // set: complete with `v` and release every waiter (FIFO); replaces an
  // earlier completion (gevent). Never switches.
  template <class U = T>
  requires(!std::is_void_v<T>) void set(U&& v) {
    value_.emplace(std::forward<U>(v));
    exc_ = nullptr;
    complete();
  }
  // get: wait up to `timeout` and return a copy of the value. Throws the
  // stored exception; throws Timeout::expired(timeout) when time runs out.
  // Kill and Timeout aimed at the caller interrupt it.
  T get(Duration timeout = forever) {
    get_wait(timeout);
    return *value_;
  }
  // get_nowait: get() without waiting (throws Timeout::expired(0) when not ready).
  T get_nowait() { return get(Duration::zero()); }

  // operator(): the link form — `g.link(std::ref(r))`. A successful greenlet
  // sets its value; a failed one sets its exception; a killed one, having no
  // T, sets its GreenletExit (get() throws it, as Greenlet::get does). `g`
  // must be a Greenlet<T>.
  void operator()(const AnyGreenlet& g) {
    if (g.exception()) return set_exception(g.exception());
    if (g.killed_by()) return set_exception(g.killed_by());
    set(*static_cast<detail::ResultSlot<T>&>(g.core()).value_);
  }

 private:
  std::optional<T> value_;
};

template <>
class AsyncResult<void> : public detail::AsyncResultBase {
 public:
  void set() noexcept {
    exc_ = nullptr;
    complete();
  }
  void get(Duration timeout = forever) { get_wait(timeout); }
  void get_nowait() { get(Duration::zero()); }
  void operator()(const AnyGreenlet& g) {
    if (g.exception()) return set_exception(g.exception());
    set();
  }
};

}  // namespace green

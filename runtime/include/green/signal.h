// green/signal.h — run a function in a new greenlet when a signal arrives
// (gevent.signal_handler).
//
//   green::Event stop;
//   auto h = green::signal_handler(SIGTERM, [&] { stop.set(); });
//   stop.wait();
//
// A plain signal handler may only call async-signal-safe functions. Here the
// signal is only noted when it arrives (libev's handler, installed with
// SA_RESTART); later, in this thread's hub, `f` runs in a new greenlet named
// "signal <NAME>" (e.g. "signal TERM"), where it may wait, lock, spawn — all a
// greenlet may do. Several deliveries before the hub gets to them make one
// call. An exception escaping `f` is reported like any greenlet failure.
//
// Threads: a signal can be watched by one hub of the process at a time.
// Under the preload, the program's own sigaction handlers are a separate
// matter (they run as installed); do not mix both for one signal.
#pragma once

#include <functional>
#include <memory>

namespace green {

namespace detail {
struct SignalHandlerState;
}

// SignalHandler: the handle that keeps a signal watched. Move-only; destroy or
// cancel() it on the thread that created it.
class SignalHandler {
 public:
  SignalHandler() noexcept;
  ~SignalHandler();
  SignalHandler(SignalHandler&&) noexcept;
  SignalHandler& operator=(SignalHandler&&) noexcept;

  // cancel: stop watching; the signal's disposition goes back to the default
  // (for SIGINT and SIGTERM: terminate). Idempotent. Never switches. Greenlets
  // already spawned for earlier deliveries still run.
  void cancel() noexcept;
  // active: watching (not cancelled, not moved from).
  bool active() const noexcept { return state_ != nullptr; }

 private:
  friend SignalHandler signal_handler(int signo, std::function<void()> f);
  std::unique_ptr<detail::SignalHandlerState> state_;
};

// signal_handler: from now on, each arrival of `signo` runs `f` in a new
// greenlet of this thread's hub (created if needed), until the returned handle
// is cancelled or destroyed. Never switches. Throws std::invalid_argument for
// a signal that cannot be caught (SIGKILL, SIGSTOP, out of range, empty `f`),
// std::logic_error when another thread's hub already watches `signo`.
[[nodiscard]] SignalHandler signal_handler(int signo, std::function<void()> f);

}  // namespace green

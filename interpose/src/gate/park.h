// gate/park.h — how a hook parks: deadlines, fd waits that know about fd reuse and
// signals, and the exception barrier between green and the C caller.
//
// Signals (EINTR): a signal that arrives while the thread sleeps in the hub's
// epoll_wait makes that epoll_wait fail with EINTR after the handler ran. The
// epoll_wait hook then interrupts the greenlets of the thread parked in
// hooked calls, as the kernel would have interrupted those calls natively:
// calls that are never restarted (sleep family, poll/select/epoll, socket
// calls with a SO_RCVTIMEO/SO_SNDTIMEO timeout) always return EINTR (or, for
// sleep, the time left); calls that SA_RESTART restarts (read/write/accept...
// without a timeout, waitpid) return EINTR only when a handler installed
// without SA_RESTART ran during that epoll_wait (hooks_signal.cpp wraps the
// program's handlers to tell), and keep waiting otherwise. A signal that
// arrives while a greenlet runs its own code interrupts nothing, as natively.
#pragma once

#include <time.h>

#include <cerrno>
#include <chrono>
#include <new>
#include <system_error>
#include <type_traits>

#include "gate/gate.h"
#include "green/detail/deadline.h"
#include "green/detail/noncopyable.h"
#include "green/duration.h"
#include "green/errors.h"
#include "green/io.h"

namespace green::interpose {

// Deadline: when a hooked call must give up — the runtime's own type.
using green::detail::Deadline;

// valid_timespec: a time glibc accepts (non-null, 0 <= tv_nsec < 1e9).
inline bool valid_timespec(const timespec* ts) noexcept { return ts && ts->tv_nsec >= 0 && ts->tv_nsec < 1000000000L; }
// valid_interval: a valid time that is not negative (nanosleep, futex waits).
inline bool valid_interval(const timespec* ts) noexcept { return valid_timespec(ts) && ts->tv_sec >= 0; }
// valid_abstime: a deadline the pthread timed waits accept: a valid time on
// CLOCK_REALTIME or CLOCK_MONOTONIC (else they fail with EINVAL).
inline bool valid_abstime(clockid_t clock, const timespec* ts) noexcept {
  return valid_timespec(ts) && (clock == CLOCK_REALTIME || clock == CLOCK_MONOTONIC);
}

// would_block: errno says "try again later".
inline bool would_block(int e) noexcept { return e == EAGAIN || e == EWOULDBLOCK; }

// OnSignal: what a signal handler running while parked does to the call:
// restart = EINTR only from a handler without SA_RESTART; interrupt = EINTR always.
enum class OnSignal { restart, interrupt };

// wait_fd_ready: park until `fd` is ready for `events` (green::READ/WRITE).
// 1 ready, 0 deadline passed, -1 with errno EBADF (closed or its number reused
// meanwhile) or EINTR (OnSignal::interrupt and a signal came).
int wait_fd_ready(Hook h, int fd, int events, const Deadline& d, OnSignal s);

// wait_any_ready: park until one of `n` fds (fd, events: green::READ|WRITE)
// is ready or was closed, or `d` passes: 1, 0 on deadline, -1/EINTR on a
// signal. With n == 0 it waits for the deadline (or a signal) alone. Their
// revents are the runtime's scratch (runtime_internal.h: wait_fds).
int wait_any_ready(Hook h, green::PollFd* fds, std::size_t n, const Deadline& d);

// sleep_until: park until `d` (or a signal, per `s`): 0, or -1/EINTR.
int sleep_until(Hook h, const Deadline& d, OnSignal s = OnSignal::interrupt);

// on_hub_eintr: the hub's epoll_wait was interrupted by a signal (see top).
void on_hub_eintr() noexcept;
// hub_poll_begin / hub_poll_end: around the hub's own epoll_wait.
void hub_poll_begin() noexcept;
void hub_poll_end() noexcept;
// note_handler_ran: a program's signal handler is about to run on this thread;
// `restart`: it was installed with SA_RESTART. Async-signal-safe.
void note_handler_ran(bool restart) noexcept;
// handlers_ran_here: how many of the program's handlers ran on this OS thread
// so far (wrapping; compare two reads). Counts the ones that ran while a
// greenlet ran its own code too, which interrupt no parked call (see top).
unsigned handlers_ran_here() noexcept;

namespace threads {
struct GreenThread;
// Cancellation points. CancelPoint marks a hook that is one: a pending
// cancel acts at its start, and one that arrives while the hook is parked
// ends the wait. act_on_cancel() exits the calling green thread with
// PTHREAD_CANCELED when a cancel is pending and enabled.
class CancelPoint : green::detail::NonCopyable {
 public:
  CancelPoint();
  ~CancelPoint();

 private:
  GreenThread* t_;
  bool was_ = false;
};
void act_on_cancel();
// Canceled: thrown out of a parked cancellation point; the hook's barrier
// turns it into act_on_cancel() once its own frames are done.
struct Canceled {};
}  // namespace threads

// barrier: run a hook body that may park. Exceptions green must not throw into
// C code become errno values; when green finds that nothing could ever wake the
// caller (LoopExit) the call is made natively, blocking the thread exactly as
// it would without green. Kill (GreenletExit) and green::Timeout aimed at the
// calling greenlet propagate: they are how C++ code stops a greenlet. They are
// green::BaseException, not std::exception, so none of the catches below can
// match them; never add a catch of std::exception or (...) without a rethrow.
// A call that succeeds leaves errno as the caller had it, as glibc's blocking
// calls do: green's own non-blocking tries set EAGAIN on the way, and code
// reads errno after a result of 0 (OpenSSL's socket BIO retries an end of
// file it takes for EAGAIN, for ever).
template <class Native, class Body>
auto barrier(Hook h, Native native, Body body) -> decltype(body()) {
  // Every hooked blocking call is a cancellation point (green-threads mode).
  threads::CancelPoint cancel_point;
  bool canceled = false;
  const int caller_errno = errno;
  try {
    auto r = body();
    if constexpr (std::is_signed_v<decltype(r)>)
      if (r >= 0) errno = caller_errno;
    return r;
  } catch (const threads::Canceled&) {
    canceled = true;
  } catch (const LoopExit&) {
    count(h, Why::not_pollable);
    return native();
  } catch (const std::bad_alloc&) {
    errno = ENOMEM;
  } catch (const std::system_error& e) {
    errno = e.code().value() ? e.code().value() : EIO;
  }
  if (canceled) threads::act_on_cancel();  // outside the catch: it unwinds this stack
  return static_cast<decltype(body())>(-1);
}

}  // namespace green::interpose

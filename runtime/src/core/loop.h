// core/loop.h — green's view of libev. loop.cpp is the only file that includes ev.h.
//
// Timers are green's own (timers.h): a heap per loop and one timerfd armed to
// the earliest deadline, with nanosecond precision. libev's timers wake
// epoll_wait with a millisecond timeout rounded up (and at least 1 ms), so
// each fired up to a millisecond or two late.
//
// The watchers keep libev's structs in inline storage so that a wait on a
// greenlet's stack never allocates. EventLoop counts the watchers armed through
// it: that count (not libev's refcount, which the ev_async would pollute) is
// what the hub uses to decide that nothing can ever wake a waiter.
#pragma once

#include <time.h>

#include <atomic>
#include <cstddef>
#include <cstdint>
#include <vector>

#include "core/internal_fd.h"
#include "core/timers.h"
#include "green/detail/deadline.h"
#include "green/detail/noncopyable.h"
#include "green/duration.h"

struct ev_loop;
struct ev_io;
struct ev_signal;

namespace green::detail {

// The loop owns three of green's fds (internal_fd.h): libev's epoll fd, the
// doorbell's eventfd and the timerfd. When the program claims one of their
// numbers (dup2 onto it), release moves the doorbell or the timerfd to a new
// number, or gives up the epoll fd's number, and has libev build its kernel
// state again at its next iteration (ev_loop_fork: a new epoll fd, every
// watched fd registered anew). It runs on the loop's own thread: from another
// thread it is asked through the doorbell and waited for (at most 2 s).
class EventLoop final : NonCopyable, public InternalFdOwner {
 public:
  EventLoop();
  ~EventLoop();

  // run_once: one libev iteration, then the timers that are due; `block`
  // waits for the next event or timer.
  void run_once(bool block);
  // timer_due: whether the earliest timer's deadline is at or before `now`.
  bool timer_due(Deadline now) const noexcept { return !timers_.empty() && timers_.front().due <= now; }
  // fire_due_timers: call every timer whose deadline has passed, earliest
  // first (run_once does it after polling; the hub also mid-batch).
  void fire_due_timers();
  // armed: timers and fd watches currently started through this loop.
  std::size_t armed() const noexcept { return armed_; }
  // hold / release: pretend a watcher is armed (KeepAlive), so run_once blocks.
  void hold() noexcept;
  void release() noexcept;

  // async: the one cross-thread doorbell; `fn(arg)` runs in the hub after send().
  void set_async(void (*fn)(void*), void* arg) noexcept;
  void async_send() noexcept;  // any thread

  // release: InternalFdOwner's (see above).
  void release(int fd) noexcept override;
  // forget_watches: notify_close(fd) on this loop's thread (runtime_internal.h).
  void forget_watches(int fd) noexcept;

  struct ev_loop* raw() const noexcept {
    return loop_;
  }

  // track_polling: keep `*flag` true while the loop waits in the kernel for
  // events (and false otherwise), for the blocking monitor's thread; nullptr
  // stops. Costs nothing when never called.
  void track_polling(std::atomic<bool>* flag) noexcept;

  // reinit_after_fork: in a forked child, replace the inherited libev loop by
  // a fresh one. Fd watches started before the fork are forgotten (their
  // stop() does nothing, they never fire); the doorbell and the signal watches
  // move to the new loop. Never touches the parent's epoll registrations (the
  // old loop is closed without epoll_ctl). Timers are the process's own memory:
  // they stay armed, on a new timerfd (drop_timers_if prunes them).
  void reinit_after_fork() noexcept;
  // drop_timers_if: disarm every timer whose owner (Timer::start) `drop` names.
  void drop_timers_if(bool (*drop)(const void* owner)) noexcept;
  // generation: bumped by reinit_after_fork; watchers remember it at start.
  unsigned generation() const noexcept { return generation_; }

 private:
  friend class Timer;
  friend class FdWatch;
  friend class SignalWatch;
  void open_loop() noexcept;
  void close_loop() noexcept;
  void start_doorbell() noexcept;
  void close_doorbell() noexcept;
  static void on_doorbell(struct ev_loop*, struct ev_io* w, int);
  void release_here(int fd) noexcept;
  void ask_owner(int request) noexcept;
  void restart_io(unsigned char* raw, int fd) noexcept;
  // Timers (timers.cpp; the timerfd's libev side in loop.cpp).
  void timer_start(Timer* t, Deadline due);
  void timer_stop(Timer* t) noexcept;
  void start_timer_fd() noexcept;
  void timers_nonempty(bool nonempty) noexcept;  // ref the loop while timers wait
  void arm_timer_fd() noexcept;                  // before blocking: wake at the earliest deadline
  TimerHeap timers_;
  int timer_fd_ = -1;
  Deadline timer_fd_due_;  // what timer_fd_ is armed for (never: disarmed)
  alignas(16) unsigned char timer_io_[64];
  struct ev_loop* loop_ = nullptr;
  std::size_t armed_ = 0;
  unsigned generation_ = 0;
  std::atomic<bool>* polling_ = nullptr;  // track_polling's flag
  class SignalWatch* signals_ = nullptr;  // started signal watches (moved by reinit_after_fork)
  // The doorbell: an eventfd of green's own rather than libev's ev_async, so
  // that green can move it (libev's eventfd number never changes). Written
  // by any thread: `senders_` counts the writes in progress, so a move waits
  // for them before the old number is given to the program.
  alignas(16) unsigned char doorbell_io_[64];
  std::atomic<int> doorbell_fd_{-1};
  std::atomic<bool> doorbell_rung_{false};
  std::atomic<int> senders_{0};
  // release from another thread: the number to let go of, -1 when done.
  std::atomic<int> release_request_{-1};
  long owner_tid_ = 0;
  // libev's epoll fd number, given up to the program and not yet closed by
  // libev (it closes it in its next iteration, which must not close the
  // program's file now there).
  int given_up_ = -1;
  void (*async_fn_)(void*) = nullptr;
  void* async_arg_ = nullptr;
};

// FdWatch: fd readiness calling fn(arg, revents) in the hub, revents a mix of
// green::READ / green::WRITE, or -1 when libev rejected the fd (EV_ERROR).
class FdWatch {
 public:
  FdWatch(void (*fn)(void*, int), void* arg) noexcept;
  ~FdWatch() { stop(); }
  FdWatch(const FdWatch&) = delete;
  FdWatch& operator=(const FdWatch&) = delete;

  // start: watch `fd`. libev takes every (re)set watch for a possibly new
  // file and registers the fd with the kernel again (one epoll_ctl);
  // `same_file` says the fd is the file this watch last watched, on this
  // loop: a watch restarted unchanged costs no system call.
  void start(EventLoop& loop, int fd, int events, bool same_file = false) noexcept;
  void stop() noexcept;
  bool active() const noexcept { return loop_ != nullptr; }
  // retarget: call fn(arg, revents) from now on (a reused watch, stopped).
  void retarget(void (*fn)(void*, int), void* arg) noexcept {
    fn_ = fn;
    arg_ = arg;
  }

 private:
  static void trampoline(struct ev_loop*, struct ev_io* w, int);
  alignas(16) unsigned char raw_[64];
  EventLoop* loop_ = nullptr;
  unsigned generation_ = 0;
  // What the ev_io was last set to, and on which loop (generation).
  EventLoop* set_loop_ = nullptr;
  unsigned set_generation_ = 0;
  int set_fd_ = -1;
  int set_events_ = 0;
  void (*fn_)(void*, int);
  void* arg_;
};

// SignalWatch: each delivery of a signal calls fn(arg) in the hub, later, from
// the loop (libev's ev_signal: libev's own handler only records the signal, so
// fn may do anything; deliveries before the hub gets to it coalesce). Not
// counted in armed(): a signal that may never come must not hide "would block
// forever". A signal can be watched by one loop at a time in the process
// (start refuses otherwise); stopping the last watch of a signal restores its
// default disposition.
class SignalWatch {
 public:
  SignalWatch(void (*fn)(void*), void* arg) noexcept;
  ~SignalWatch() { stop(); }
  SignalWatch(const SignalWatch&) = delete;
  SignalWatch& operator=(const SignalWatch&) = delete;

  // start: false (nothing started) when `signo` is out of range or another
  // loop of the process watches it.
  bool start(EventLoop& loop, int signo) noexcept;
  void stop() noexcept;

 private:
  friend class EventLoop;
  int signo_ = 0;
  static void trampoline(struct ev_loop*, struct ev_signal* w, int);
  alignas(16) unsigned char raw_[64];
  EventLoop* loop_ = nullptr;
  SignalWatch* next_ = nullptr;  // EventLoop::signals_
  void (*fn_)(void*);
  void* arg_;
};

}  // namespace green::detail

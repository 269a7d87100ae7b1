// runtime_internal.h — what the interposer (interpose/) needs from
// the runtime beyond the public API. Not for applications.
//
// Every function runs on the calling thread's hub and never creates one unless
// it says so.
#pragma once

#include <cstddef>
#include <cstdint>
#include <exception>
#include <functional>
#include <memory>

#include "green/detail/deadline.h"
#include "green/detail/noncopyable.h"
#include "green/duration.h"
#include "green/io.h"

namespace green::detail {

class GreenletCore;

// hub_exists: this thread already has a hub (never creates one).
bool hub_exists() noexcept;

// parking_reaches_loop: the caller may park (not the hub, nor a dead
// greenlet's links) and this thread's ready queue is empty, so parking now
// hands over to the event loop at once (true without a hub: the first wait
// creates it).
bool parking_reaches_loop() noexcept;

// running_greenlet: the greenlet running on this thread — null when the
// thread has no hub or the hub itself runs. One call for the hooks' hot paths.
GreenletCore* running_greenlet() noexcept;

// wait_fds: park until any of `n` fds is ready, one was closed, or `deadline`
// passes (never: no timer), with no readiness check first (the caller's own
// poll made it). `events` is green::READ|WRITE; on return `revents` holds what
// was seen during the wait: the ready subset, or green::CLOSED when the fd was
// closed under the wait (notify_close) or rejected by the loop. An fd that is
// not open is not watched (its revents stays 0). Returns how many entries
// have a non-zero revents (0 on timeout). With n == 0 it is a plain sleep
// that a KeepAlive-less hub still counts as "can be woken" only through the
// timer — callers waiting forever on nothing must hold a green::KeepAlive.
// Creates the hub if needed. Kill/Timeout/interrupt exceptions propagate;
// watches are stopped on unwind. The one fd-wait engine: core/fd_engine.h.
int wait_fds(PollFd* fds, std::size_t n, Deadline deadline);

// wait_fd_known: green::wait_fd for an fd the caller has just seen to be
// open, pollable and not ready (a call said EAGAIN or EINPROGRESS, or a
// zero-timeout wait_fd said 0): no readiness check first. `tag` names the file
// behind the number (the interposer's fd generation): while the same tag comes
// back and no notify_close came between, the hub restarts the fd's watch
// without registering the fd with the kernel again — no epoll_ctl per wait.
// A tag that stays the same across a close and reuse of the number the caller
// did not see is the one thing it must never pass; 0 means "cannot tell"
// (the fd is registered anew, as by wait_fd).
int wait_fd_known(int fd, int events, Deadline deadline, std::uint32_t tag);

// interrupt: deliver `e` to a parked greenlet of this thread's hub at its next
// switch point, like kill does, but safe to call from inside the event loop's
// poll (the wakeup is queued, never switched to on the spot). No-op unless `g`
// is parked.
void interrupt(GreenletCore* g, std::exception_ptr e) noexcept;

// wake_queued: make a parked greenlet of this thread's hub ready, at the back
// of the ready queue — never switched to on the spot, even from the hub, so a
// caller waking several can still touch the others' state. No-op unless `g`
// is parked.
void wake_queued(GreenletCore* g) noexcept;

// N hubs (GREEN_THREADS=N, core/hub_set.h). hub_pick: the index of the hub a
// new green thread goes to (the one with the fewest live green threads),
// counted there until hub_unload(index); -1 when there is one hub (the
// caller's). The first call makes the other hubs, on OS threads of green's.
// hub_index_here: the calling thread's hub in the set, -1 if not one.
// hub_set_size: how many hubs (1 before the first green thread).
// hub_tid: the kernel id of hub `index`'s OS thread.
// hub_post: run `fn` on hub `index`'s thread, in its hub (no switch there);
// false if that hub is gone. hub_start: start `g` on hub `index`, after
// `before()` ran there (both on that hub's thread).
int hub_pick();
void hub_unload(int index) noexcept;
int hub_index_here() noexcept;
unsigned hub_set_size() noexcept;
int hub_tid(int index) noexcept;
unsigned long long hub_placed(int index) noexcept;  // green threads placed there so far (GREEN_STATS)
bool hub_post(int index, std::function<void()> fn);
bool hub_start(int index, std::shared_ptr<GreenletCore> g, void (*before)(void*), void* arg);
// hub_set_notify_close: before `fd` is closed or replaced: the greenlets of
// other hubs waiting on it wake with EBADF, and their loops forget it, as
// notify_close does on the caller's own hub. Waits for each hub that watched
// the fd since its last close to answer (a hook may park meanwhile); nothing
// with one hub.
void hub_set_notify_close(int fd) noexcept;
// set_deadlock_reporter: what the watchdog calls when every one of N hubs
// sleeps with nothing that can wake it (the interposer's report).
void set_deadlock_reporter(void (*report)()) noexcept;

// NativeThreads: while one is alive on a thread, pthread_create there makes
// an OS thread even in green-threads mode — for the runtime's own threads
// (the thread pool), which must block for real.
class NativeThreads : NonCopyable {
 public:
  NativeThreads() noexcept;
  ~NativeThreads();
};
// start_named_thread: an OS thread (NativeThreads) running `fn(arg)` with
// the name `name` ("green-..."), returned once the name is set: a program
// counting its threads never sees one of green's unnamed. Throws as
// std::thread does.
void start_named_thread(const char* name, void (*fn)(void*), void* arg);

// native_threads_requested: a NativeThreads is alive on this thread.
bool native_threads_requested() noexcept;

// green's own fds (the hub's epoll fd, eventfd and timerfd, waitpid's pidfds):
// placed at the top of the fd range, close-on-exec, and registered, so the
// hooks can keep the program's close/close_range/closefrom off them (the
// whole story: runtime/src/core/internal_fd.h).
//
// InternalFdOwner: what uses one of green's fds, asked to let go of its number
// when the program claims it (its dup2/dup3 onto the number, or an F_DUPFD
// that natively would return it): release moves green's file to another
// internal number (or gives it up) and returns once green no longer uses
// `fd`. `fd` is already unregistered and still open: the program's call
// replaces it. Called on any thread.
class InternalFdOwner {
 public:
  virtual void release(int fd) noexcept = 0;

 protected:
  ~InternalFdOwner() = default;
};

// place_internal_fd: move `fd` up there and register it (with the owner that
// moves it away when the program claims its number; none: the number cannot
// move, and a claim fails with EBUSY); returns its number.
int place_internal_fd(int fd, InternalFdOwner* owner = nullptr) noexcept;
// move_internal_fd: a new internal number for the file at `fd` (a duplicate,
// placed and registered for `owner`); `fd` itself is left alone. -1 if none.
int move_internal_fd(int fd, InternalFdOwner* owner) noexcept;
// claim_internal_fd: the program wants number `fd`: 0 when it is not green's;
// 1 when it was and its owner let go (the number is the program's to replace);
// -1 with errno EBUSY when green cannot move that fd.
int claim_internal_fd(int fd) noexcept;
class EventLoop;
// this_thread_loop: the calling thread's hub's loop, or null (no hub yet).
EventLoop* this_thread_loop() noexcept;
// forget_watches_on: wake `loop`'s greenlets waiting on `fd` with EBADF, as
// notify_close does, on the loop's own thread (from another thread: asked
// through its doorbell and waited for, at most 2 s), so that its libev stops
// watching that number before the program's call gives it another file.
void forget_watches_on(EventLoop* loop, int fd) noexcept;

// NoPlacement: while one is alive, no thread places or moves an internal fd
// (they wait): a program's dup2 onto a number it found free of green's fds
// lands before green can put a new fd there. Never held across a claim (a
// claim moves fds) or anything that blocks.
class NoPlacement : NonCopyable {
 public:
  NoPlacement() noexcept;
  ~NoPlacement();
};
// close_internal_fd: unregister and close it. forget_internal_fd: unregister only.
void close_internal_fd(int fd) noexcept;
void forget_internal_fd(int fd) noexcept;
// is_internal_fd: `fd` is green's. next_internal_fd: the lowest one >= `from`
// (and below `before`), or -1.
bool is_internal_fd(int fd) noexcept;
int next_internal_fd(int from, int before = 1 << 30) noexcept;
// InternalFdScope: while alive on a thread, the runtime is creating or
// closing its own fds there (libev's, which only the hooks see):
// adopt_created_fd places what a hook saw created (for the scope's owner),
// and closes are green's own. `given_up`: a number libev still believes its
// own but that its owner gave up (the program has it now): libev's close of
// it does nothing (internal_close_given_up).
class InternalFdScope : NonCopyable {
 public:
  explicit InternalFdScope(InternalFdOwner* owner = nullptr, int given_up = -1) noexcept;
  ~InternalFdScope();
  // given_up_left: the given-up number libev has not closed yet, or -1.
  int given_up_left() const noexcept;

 private:
  InternalFdOwner* saved_owner_;
  int saved_given_up_;
};
bool internal_fd_scope_active() noexcept;
int adopt_created_fd(int fd) noexcept;
// internal_close_given_up: a close of `fd` inside the scope is libev closing
// a number the scope says was given up: the caller skips the close.
bool internal_close_given_up(int fd) noexcept;

}  // namespace green::detail

namespace green::detail {

// thread_pointer_changed: the running greenlet's ThreadRecord (greenlet_core.h)
// names a new thread descriptor, or none: install it now (the switch path
// installs it at every later switch into this greenlet). Needs a hub.
void thread_pointer_changed() noexcept;

// thread_pointer_now: the thread pointer installed now (the running green
// thread's descriptor, or the OS thread's).
inline void* thread_pointer_now() noexcept {
  void* tp;
  __asm__("mov %%fs:0, %0" : "=r"(tp));
  return tp;
}

// os_tid: the calling OS thread's kernel thread id. green's own code asks
// this, never gettid() or syscall(SYS_gettid): in green-threads mode those
// name the green thread (interpose/src/threads/hooks_identity.cpp).
int os_tid() noexcept;

// os_thread_pointer: the calling OS thread's own thread pointer — the one its
// hub and every greenlet without a thread descriptor of its own run on —
// whichever is installed now.
void* os_thread_pointer() noexcept;

// setxid_relay_install: make glibc's SIGSETXID handler (setuid & co. in a
// multi-threaded process) run on the OS thread's own descriptor whatever is
// installed, so it clears the mark glibc set there (core/setxid_relay.cpp
// says why). True when the relay is in place; false while glibc's handler is
// not there yet (its first pthread_create installs it). Per-green-thread
// descriptors only (glibc 2.36).
bool setxid_relay_install() noexcept;

// Hand-off (runtime/src/core/handoff.h): a green thread that stops switching
// goes on on a spare OS thread. handoff_enable: green-threads mode turns it on
// (unless GREEN_HANDOFF_US=0). handoff_add_code: the loaded object holding
// `any_function` is green's code (a green thread interrupted with one of its
// return addresses on the stack stays).
void handoff_enable() noexcept;
void handoff_add_code(const void* any_function) noexcept;
// handoff_come_back: if the calling green thread runs on a spare OS thread,
// go back to its hub's thread first (every entry into the runtime does this;
// for code of the interposer's that must, before touching anything).
void handoff_come_back() noexcept;

// is_green_code: `address` lies in green's own code (the objects
// handoff_add_code named): a signal handler there is green's, not the
// program's (the watchdog's SIGURG).
bool is_green_code(const void* address) noexcept;

// CallingProgram: green calls the program's code back — a signal handler, a
// once routine, a TSD destructor, a cleanup handler — while its own frames
// stay live below that code. While one lives, a look of hand-off at the green
// thread scans its whole stack for green's code (core/handoff.h), as it must
// whenever the program's code may have been called by green's.
// Async-signal-safe.
struct ThreadRecord;
class CallingProgram : NonCopyable {
 public:
  CallingProgram() noexcept;
  ~CallingProgram();

 private:
  ThreadRecord* rec_ = nullptr;
};

// BlockingRegion: a hook about to make one real call that may block and never
// calls back into green (the syscall() hook's pass-through) marks it, so a
// green thread interrupted inside that call can be handed off although the
// hook's frame is green's. `caller_sp` is the hook's caller's stack pointer:
// GREEN_CALLER_SP() in the exported hook itself. When the call returns, the
// destructor brings the green thread back to its hub's thread if it went.
class BlockingRegion : NonCopyable {
 public:
  explicit BlockingRegion(void* caller_sp) noexcept;
  ~BlockingRegion();

 private:
  void* saved_;
};
// The stack pointer of the function's caller right before its call: above the
// return address (the builtin makes the compiler keep a frame pointer; the
// saved frame pointer and the return address sit on top of it).
#define GREEN_CALLER_SP() (static_cast<void*>(static_cast<char*>(__builtin_frame_address(0)) + 16))

struct HandoffCounts {
  unsigned spares = 0;              // spare OS threads made so far
  unsigned busy = 0;                // running a green thread now
  unsigned long long handoffs = 0;  // green threads handed to a spare
  unsigned long long declined = 0;  // signals that found green's own code running
};
HandoffCounts handoff_counts() noexcept;

// per_os_thread: `v`, a thread_local of green's own libraries, as the OS
// thread's copy rather than the running green thread's. A green thread's
// descriptor starts with a copy of green's own thread_locals (their values are
// per OS thread, and stay valid), so only one that changes after green threads
// exist and must be seen by the whole OS thread needs this.
template <class T>
T& per_os_thread(T& v) noexcept {
  char* here = reinterpret_cast<char*>(&v);
  char* tp = static_cast<char*>(os_thread_pointer());
  char* now = static_cast<char*>(thread_pointer_now());
  return *reinterpret_cast<T*>(here - now + tp);
}

// TracedPark: GREEN_TRACE's record of a hooked call that parks
// (runtime/src/diag/trace.h): while it lives, the wait the greenlet parks in
// names `call`; at its end the call is written as a slice from construction.
// Costs one test when tracing is off. `call` must outlive the process (a
// string literal).
class TracedPark : NonCopyable {
 public:
  TracedPark(const char* call, int fd) noexcept;
  ~TracedPark();

 private:
  const char* call_;
  int fd_;
  std::int64_t start_ = -1;  // -1: tracing was off
};

}  // namespace green::detail

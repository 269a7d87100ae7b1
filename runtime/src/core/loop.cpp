// core/loop.cpp — the only file that includes ev.h (see loop.h).
#include "core/loop.h"
#include "raw_syscall.h"

#include <ev.h>
#include <pthread.h>
#include <signal.h>
#include <sys/eventfd.h>
#include <sys/syscall.h>
#include <sys/timerfd.h>
#include <unistd.h>

#include <cerrno>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <new>

#include "core/internal_fd.h"
#include "green/io.h"
#include "runtime_internal.h"

namespace green::detail {

static_assert(sizeof(ev_io) <= 64 && alignof(ev_io) <= 16);
static_assert(sizeof(ev_signal) <= 64 && alignof(ev_signal) <= 16);

namespace {
ev_io* as_io(unsigned char* raw) { return std::launder(reinterpret_cast<ev_io*>(raw)); }
long this_tid() noexcept { return green::detail::os_tid(); }
// A request to the loop's thread to forget its watches of a number, rather
// than to release it.
constexpr int kForgetOnly = 1 << 30;
// on_fd_exhausted: green had to move one of its fds and found no free number.
[[noreturn]] void on_fd_exhausted(const char* what) noexcept {
  std::fprintf(stderr,
               "green: the program claimed the number of the hub's %s, and no free fd number is left to move it "
               "to (RLIMIT_NOFILE reached); green cannot go on and exits with status 70.\n",
               what);
  std::fflush(nullptr);
  ::_exit(70);
}
}  // namespace

namespace {
// libev reports a failed system call (epoll_wait or epoll_ctl on an fd that
// is not what it was, eventfd writes...) through this, and would otherwise
// print "(libev) ..." and abort. green's own fds are out of the program's
// reach (internal_fd.h), so this means something closed or replaced one
// behind the hooks (a raw system call, or a dup2 aimed at it): say so, in
// green's words, and stop without a core dump. (libev's assertions, e.g. on
// an epoll_ctl that fails with EBADF, still abort: they do not come here.)
void on_libev_syserr(const char* msg) noexcept {
  int e = errno;
  std::fprintf(stderr,
               "green: the hub's event loop failed: %s: %s. One of green's own file descriptors (the hub's "
               "epoll fd, eventfd or timerfd, at the top of the fd range) was closed or replaced by a call "
               "green could not keep it from (a raw system call, or a dup2 onto it); green cannot go on and "
               "exits with status 70 (docs/interposition.md, \"green's own file descriptors\").\n",
               msg ? msg : "(libev)", std::strerror(e));
  std::fflush(nullptr);
  ::_exit(70);
}

struct ev_loop* new_loop(InternalFdOwner* owner) noexcept {
  static const bool syserr_set = (ev_set_syserr_cb(&on_libev_syserr), true);
  (void)syserr_set;
  // libev's epoll fd is created (and placed high by the interposer) inside.
  InternalFdScope scope(owner);
  // EVFLAG_NOENV: green's behaviour must not change with LIBEV_FLAGS.
  // EVFLAG_NOSIGMASK: libev must not touch the program's signal mask.
  struct ev_loop* l = ev_loop_new(static_cast<unsigned>(EVBACKEND_EPOLL) | EVFLAG_NOENV | EVFLAG_NOSIGMASK);
  if (!l) l = ev_loop_new(static_cast<unsigned>(EVFLAG_AUTO) | EVFLAG_NOENV | EVFLAG_NOSIGMASK);
  if (!l) {
    std::fprintf(stderr, "green: cannot create an event loop (ev_loop_new failed): out of fds or memory?\n");
    std::abort();
  }
  return l;
}
ev_signal* as_signal(unsigned char* raw) { return std::launder(reinterpret_cast<ev_signal*>(raw)); }
}  // namespace

EventLoop::EventLoop() { open_loop(); }

// open_loop / close_loop: the libev loop with what the loop itself runs on it
// (the doorbell, the timerfd's watch), made and torn down in one place each,
// for the constructor and destructor and for a forked child's fresh loop.
void EventLoop::open_loop() noexcept {
  owner_tid_ = this_tid();
  loop_ = new_loop(this);
  start_doorbell();
  start_timer_fd();
}

void EventLoop::close_loop() noexcept {
  // Both watchers were unref'd when started: give each its reference back
  // first (the timerfd's only while no timer holds one for it), as libev's
  // stop drops one.
  close_doorbell();
  if (timers_.empty()) ev_ref(loop_);
  ev_io_stop(loop_, as_io(timer_io_));
  // In a forked child this closes the child's copies of the backend fds; the
  // parent keeps its own. libev closes its own fds: the hooks let it.
  {
    InternalFdScope scope(this, given_up_);
    ev_loop_destroy(loop_);
  }
  loop_ = nullptr;
  given_up_ = -1;
  // In a forked child the inherited timerfd is the parent's timer: arming it
  // would move the parent's wakeups.
  close_internal_fd(timer_fd_);
  timer_fd_ = -1;
}

void EventLoop::start_timer_fd() noexcept {
  timer_fd_ = ::timerfd_create(CLOCK_MONOTONIC, TFD_NONBLOCK | TFD_CLOEXEC);
  if (timer_fd_ < 0) {
    std::fprintf(stderr, "green: cannot create the hub's timerfd (timerfd_create failed): out of fds?\n");
    std::abort();
  }
  timer_fd_ = place_internal_fd(timer_fd_, this);
  timer_fd_due_ = Deadline::never();
  ev_io* w = new (timer_io_) ev_io;
  ev_io_init(
      w,
      [](struct ev_loop*, ev_io* io, int) {
        auto* self = static_cast<EventLoop*>(io->data);
        std::uint64_t expirations;
        while (::read(self->timer_fd_, &expirations, sizeof expirations) > 0) {
        }
        self->timer_fd_due_ = Deadline::never();  // fired: the next block arms it again
        // The due timers fire after ev_run returns (run_once).
      },
      timer_fd_, EV_READ);
  w->data = this;
  ev_io_start(loop_, w);
  // Like the doorbell, the timerfd alone keeps nothing alive: armed timers do
  // (timers_nonempty).
  ev_unref(loop_);
}

void EventLoop::timers_nonempty(bool nonempty) noexcept {
  if (nonempty) {
    ev_ref(loop_);
  } else {
    ev_unref(loop_);
  }
}

void EventLoop::start_doorbell() noexcept {
  // A raw system call: the interposer's eventfd hook would take it for the program's.
  int fd = static_cast<int>(green::detail::sys(SYS_eventfd2, 0, EFD_NONBLOCK | EFD_CLOEXEC));
  if (fd < 0) {
    std::fprintf(stderr, "green: cannot create the hub's eventfd (eventfd failed): out of fds?\n");
    std::abort();
  }
  doorbell_fd_.store(place_internal_fd(fd, this), std::memory_order_release);
  doorbell_rung_.store(false);  // a forked child's fresh doorbell: nothing the parent rang
  senders_.store(0);
  release_request_.store(-1);
  ev_io* w = new (doorbell_io_) ev_io;
  ev_io_init(w, &EventLoop::on_doorbell, doorbell_fd_.load(std::memory_order_relaxed), EV_READ);
  w->data = this;
  ev_io_start(loop_, w);
  // The doorbell alone must not keep the loop "alive": only KeepAlive does.
  ev_unref(loop_);
}

void EventLoop::close_doorbell() noexcept {
  ev_ref(loop_);
  ev_io_stop(loop_, as_io(doorbell_io_));
  close_internal_fd(doorbell_fd_.exchange(-1, std::memory_order_acq_rel));
}

void EventLoop::on_doorbell(struct ev_loop*, struct ev_io* w, int) {
  auto* self = static_cast<EventLoop*>(w->data);
  std::uint64_t rings;
  (void)!green::detail::sys(SYS_read, self->doorbell_fd_.load(std::memory_order_relaxed), &rings, sizeof rings);
  // Cleared after the read: a ring from now on writes again, one before was
  // for what runs below.
  self->doorbell_rung_.store(false, std::memory_order_seq_cst);
  int request = self->release_request_.load(std::memory_order_acquire);
  if (request >= 0) {
    if (request & kForgetOnly) {
      green::notify_close(request & ~kForgetOnly);
    } else {
      self->release_here(request);
    }
    self->release_request_.store(-1, std::memory_order_release);
  }
  if (self->async_fn_) self->async_fn_(self->async_arg_);
}

void EventLoop::restart_io(unsigned char* raw, int fd) noexcept {
  // Net zero on libev's refcount: these watchers were unref'd when started.
  ev_io* w = as_io(raw);
  ev_ref(loop_);
  ev_io_stop(loop_, w);
  ev_io_set(w, fd, EV_READ);
  ev_io_start(loop_, w);
  ev_unref(loop_);
}

void EventLoop::release_here(int fd) noexcept {
  if (fd == timer_fd_) {
    timer_fd_ = move_internal_fd(fd, this);
    if (timer_fd_ < 0) on_fd_exhausted("timerfd");
    restart_io(timer_io_, timer_fd_);
  } else if (fd == doorbell_fd_.load(std::memory_order_relaxed)) {
    int moved = move_internal_fd(fd, this);
    if (moved < 0) on_fd_exhausted("eventfd");
    restart_io(doorbell_io_, moved);
    doorbell_fd_.store(moved, std::memory_order_seq_cst);
    // A sender that read the old number writes to it before `fd` changes hands.
    for (int i = 0; i < 1000000 && senders_.load(std::memory_order_seq_cst) != 0; ++i) sched_yield();
  } else {
    given_up_ = fd;  // libev's epoll fd: it closes it in its next iteration
  }
  // A new epoll fd at libev's next iteration, with every watched fd
  // registered anew: the old registrations of a moved fd's number are gone.
  ev_loop_fork(loop_);
}

void EventLoop::release(int fd) noexcept {
  if (this_tid() == owner_tid_) return release_here(fd);
  ask_owner(fd);
}

void EventLoop::forget_watches(int fd) noexcept {
  if (this_tid() == owner_tid_) return green::notify_close(fd);
  ask_owner(fd | kForgetOnly);
}

void EventLoop::ask_owner(int request) noexcept {
  // The loop's thread answers in its doorbell's callback; one request at a
  // time. Bounded: a thread that never runs its hub again cannot answer.
  const timespec ms{0, 1000000};
  int i = 0;
  for (int idle = -1; i < 2000 && !release_request_.compare_exchange_weak(idle, request); idle = -1, ++i)
    ::nanosleep(&ms, nullptr);
  async_send();
  for (; i < 2000 && release_request_.load(std::memory_order_acquire) == request; ++i) ::nanosleep(&ms, nullptr);
}

EventLoop::~EventLoop() { close_loop(); }

void EventLoop::reinit_after_fork() noexcept {
  // No signal may find its watcher between the two loops (the default
  // disposition would apply meanwhile).
  sigset_t all, old_mask;
  sigfillset(&all);
  pthread_sigmask(SIG_BLOCK, &all, &old_mask);
  for (SignalWatch* s = signals_; s; s = s->next_) {
    ev_ref(loop_);
    ev_signal_stop(loop_, as_signal(s->raw_));
  }
  close_loop();
  // A timerfd of its own, armed for the same heap.
  open_loop();
  if (!timers_.empty()) timers_nonempty(true);
  for (SignalWatch* s = signals_; s; s = s->next_) {
    ev_signal_start(loop_, as_signal(s->raw_));
    ev_unref(loop_);
  }
  if (polling_) track_polling(polling_);
  armed_ = timers_.size();  // the fd watches are gone, the timers are not
  ++generation_;
  pthread_sigmask(SIG_SETMASK, &old_mask, nullptr);
}

void EventLoop::run_once(bool block) {
  if (block) arm_timer_fd();
  {
    // libev makes its fds again when it must (after a release, or when it
    // finds its kernel state stale): they are green's, and the number given
    // up is the program's.
    const int given_up = given_up_;
    InternalFdScope scope(this, given_up);
    ev_run(loop_, block ? EVRUN_ONCE : EVRUN_NOWAIT);
    // A release in this iteration (another thread's, through the doorbell)
    // is libev's to close in the next.
    if (given_up_ == given_up) given_up_ = scope.given_up_left();
  }
  fire_due_timers();
}

void EventLoop::track_polling(std::atomic<bool>* flag) noexcept {
  polling_ = flag;
  ev_set_userdata(loop_, flag);
  if (!flag) {
    ev_set_loop_release_cb(loop_, nullptr, nullptr);
    return;
  }
  // libev calls release right before it blocks in epoll_wait and acquire right after.
  ev_set_loop_release_cb(
      loop_,
      [](struct ev_loop* l) noexcept {
        static_cast<std::atomic<bool>*>(ev_userdata(l))->store(true, std::memory_order_relaxed);
      },
      [](struct ev_loop* l) noexcept {
        static_cast<std::atomic<bool>*>(ev_userdata(l))->store(false, std::memory_order_relaxed);
      });
}

void EventLoop::hold() noexcept { ev_ref(loop_); }
void EventLoop::release() noexcept { ev_unref(loop_); }

void EventLoop::set_async(void (*fn)(void*), void* arg) noexcept {
  async_fn_ = fn;
  async_arg_ = arg;
}
void EventLoop::async_send() noexcept {
  if (doorbell_rung_.exchange(true, std::memory_order_seq_cst)) return;  // not yet answered: rung once is enough
  senders_.fetch_add(1, std::memory_order_seq_cst);
  std::uint64_t one = 1;
  (void)!green::detail::sys(SYS_write, doorbell_fd_.load(std::memory_order_seq_cst), &one, sizeof one);
  senders_.fetch_sub(1, std::memory_order_seq_cst);
}

FdWatch::FdWatch(void (*fn)(void*, int), void* arg) noexcept : fn_(fn), arg_(arg) {
  ev_io* w = new (raw_) ev_io;
  ev_init(w, &FdWatch::trampoline);
  w->data = this;
}

void FdWatch::trampoline(struct ev_loop*, struct ev_io* w, int revents) {
  auto* self = static_cast<FdWatch*>(w->data);
  int out = 0;
  if (revents & EV_ERROR) {
    // libev stopped the watcher itself: the fd is not valid (EBADF).
    self->loop_->armed_--;
    self->loop_ = nullptr;
    self->set_loop_ = nullptr;
    out = -1;
  } else {
    if (revents & EV_READ) out |= green::READ;
    if (revents & EV_WRITE) out |= green::WRITE;
  }
  self->fn_(self->arg_, out);
}

void FdWatch::start(EventLoop& loop, int fd, int events, bool same_file) noexcept {
  stop();
  ev_io* w = as_io(raw_);
  int ev = (events & green::READ ? EV_READ : 0) | (events & green::WRITE ? EV_WRITE : 0);
  if (!same_file || set_loop_ != &loop || set_generation_ != loop.generation_ || set_fd_ != fd || set_events_ != ev) {
    ev_io_set(w, fd, ev);
    set_loop_ = &loop;
    set_generation_ = loop.generation_;
    set_fd_ = fd;
    set_events_ = ev;
  }
  ev_io_start(loop.loop_, w);
  loop_ = &loop;
  generation_ = loop.generation_;
  loop.armed_++;
}

void FdWatch::stop() noexcept {
  if (!loop_) return;
  if (generation_ == loop_->generation_) {  // else started before a fork: forgotten
    ev_io_stop(loop_->loop_, as_io(raw_));
    loop_->armed_--;
  }
  loop_ = nullptr;
}

SignalWatch::SignalWatch(void (*fn)(void*), void* arg) noexcept : fn_(fn), arg_(arg) {
  auto* w = new (raw_) ev_signal;
  ev_init(w, &SignalWatch::trampoline);
  w->data = this;
}

void SignalWatch::trampoline(struct ev_loop*, struct ev_signal* w, int) {
  auto* self = static_cast<SignalWatch*>(w->data);
  self->fn_(self->arg_);
}

namespace {
// Which loop libev has attached each signal to (libev allows one per signal).
std::atomic<EventLoop*> g_signal_owner[NSIG];
}  // namespace

bool SignalWatch::start(EventLoop& loop, int signo) noexcept {
  stop();
  if (signo <= 0 || signo >= NSIG) return false;
  EventLoop* owner = nullptr;
  if (!g_signal_owner[signo].compare_exchange_strong(owner, &loop) && owner != &loop) return false;
  ev_signal* w = as_signal(raw_);
  ev_signal_set(w, signo);
  {
    // The first signal watch makes libev's signal eventfd: green's, but
    // libev never changes its number, so it cannot move (a program's dup2
    // onto it fails with EBUSY, docs/interposition.md).
    InternalFdScope scope;
    ev_signal_start(loop.loop_, w);
  }
  // Like the doorbell: a watched signal alone does not keep the loop alive.
  ev_unref(loop.loop_);
  loop_ = &loop;
  signo_ = signo;
  next_ = loop.signals_;
  loop.signals_ = this;
  return true;
}

void SignalWatch::stop() noexcept {
  if (!loop_) return;
  ev_ref(loop_->loop_);
  ev_signal_stop(loop_->loop_, as_signal(raw_));
  bool others = false;
  for (SignalWatch** p = &loop_->signals_; *p;) {
    if (*p == this) {
      *p = next_;
      continue;
    }
    others = others || (*p)->signo_ == signo_;
    p = &(*p)->next_;
  }
  if (!others) g_signal_owner[signo_].store(nullptr);
  loop_ = nullptr;
}

}  // namespace green::detail

// core/fd_engine.cpp — see fd_engine.h.
#include "core/fd_engine.h"
#include "raw_syscall.h"

#include <fcntl.h>
#include <poll.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <unistd.h>

#include <cerrno>
#include <memory>
#include <new>
#include <optional>

#include "core/hub_core.h"
#include "core/hub_set.h"
#include "core/hub_switch.h"
#include "green/detail/sched.h"

namespace green::detail {

namespace {
// ready_of: what poll's revents mean for `events`. Errors and hang-ups make
// both directions "ready": the next call reports them.
int ready_of(short re, int events) noexcept {
  int out = 0;
  if (re & (POLLIN | POLLHUP | POLLERR)) out |= READ;
  if (re & (POLLOUT | POLLERR)) out |= WRITE;
  return out & events;
}

// fd_open: `fd` is an open fd. A raw syscall: under the preload, fcntl is hooked.
bool fd_open(int fd) noexcept {
  int saved = errno;
  bool open = green::detail::sys(SYS_fcntl, fd, F_GETFD) >= 0 || errno != EBADF;
  errno = saved;
  return open;
}

// FdArm: one fd watched for the parked caller: listed under its number for
// notify_close, and its watch (the fd slot's when free, else its own).
struct FdArm {
  FdWait wait;
  std::optional<FdWatch> own;
  FdSlot* borrowed = nullptr;  // the slot whose watch this arm holds
  PollFd* fd = nullptr;
  FdArm() = default;
  FdArm(const FdArm&) = delete;
  FdArm& operator=(const FdArm&) = delete;
  ~FdArm() {
    if (wait.watch) wait.watch->stop();  // also when kill or a Timeout unwinds the wait
    if (borrowed) borrowed->watch_busy = false;
  }
  static void on_ready(void* arg, int revents) {
    auto* a = static_cast<FdArm*>(arg);
    // An EV_ERROR watch is stopped already; a ready one fires again until stopped.
    a->wait.watch->stop();
    a->fd->revents = revents < 0 ? CLOSED : revents & a->fd->events;
    *a->wait.woken = true;
    wake(a->wait.greenlet);
  }
  void watch(Hub& hub, FdSlot& slot, std::uint32_t tag) {
    bool same_file = false;
    if (!slot.watch_busy) {
      if (!slot.watch) slot.watch = std::make_unique<FdWatch>(&FdArm::on_ready, this);
      slot.watch->retarget(&FdArm::on_ready, this);
      same_file = tag != 0 && slot.tag == tag;
      slot.tag = tag;
      slot.watch_busy = true;
      borrowed = &slot;
      wait.watch = slot.watch.get();
    } else {  // another wait on this fd holds the slot's watch
      wait.watch = &own.emplace(&FdArm::on_ready, this);
    }
    // Registered anew with the kernel: with N hubs, a close on another hub
    // must find this one (hub_set_notify_close).
    if (!same_file && hub.set_index() >= 0) [[unlikely]]
      hub_set_note_watch(fd->fd, hub.set_index());
    wait.watch->start(hub.loop(), fd->fd, fd->events & (READ | WRITE), same_file);
  }
};

// ObjectArm: one object linked for the parked caller.
struct ObjectArm final : LinkNode {
  GreenletCore* greenlet = nullptr;
  bool* woken = nullptr;
  bool fired = false;
  ~ObjectArm() { Linkable::unlink(*this); }
  void fire() override {
    fired = true;
    *woken = true;
    wake(greenlet);
  }
};

// NamedFd: a one-fd wait names its fd in dumps and "would block forever".
struct NamedFd {
  GreenletCore* g;
  bool on;
  NamedFd(GreenletCore* greenlet, std::span<PollFd> fds) : g(greenlet), on(fds.size() == 1) {
    if (on) g->wait_fd_ = fds[0].fd;
  }
  NamedFd(const NamedFd&) = delete;
  NamedFd& operator=(const NamedFd&) = delete;
  ~NamedFd() {
    if (on) g->wait_fd_ = -1;
  }
};
}  // namespace

long check_fds(std::span<PollFd> fds) noexcept {
  // The stack for the common few: wait_fd checks one fd per call.
  constexpr std::size_t kOnStack = 8;
  pollfd few[kOnStack];
  std::unique_ptr<pollfd[]> many;
  pollfd* p = few;
  if (fds.size() > kOnStack) {
    many.reset(new (std::nothrow) pollfd[fds.size()]);
    if (!many) {
      errno = ENOMEM;
      return -1;
    }
    p = many.get();
  }
  for (std::size_t i = 0; i < fds.size(); ++i) {
    const int ev = fds[i].events;
    p[i] = {fds[i].fd, static_cast<short>((ev & READ ? POLLIN : 0) | (ev & WRITE ? POLLOUT : 0)), 0};
  }
  timespec zero{0, 0};
  long r;
  do {
    r = green::detail::sys(SYS_ppoll, p, fds.size(), &zero, nullptr, 0);
  } while (r < 0 && errno == EINTR);
  if (r < 0) return -1;
  long n = 0;
  for (std::size_t i = 0; i < fds.size(); ++i) {
    fds[i].revents = (p[i].revents & POLLNVAL) ? CLOSED : ready_of(p[i].revents, fds[i].events);
    n += fds[i].revents != 0;
  }
  return n;
}

bool fd_pollable(int fd) noexcept {
  struct stat st;
  // A raw syscall: under the preload, fstat may be hooked.
  if (green::detail::sys(SYS_fstat, fd, &st) != 0) return true;
  return !S_ISREG(st.st_mode) && !S_ISDIR(st.st_mode);
}

bool wait_any(std::span<PollFd> fds, std::span<Linkable* const> objects, std::vector<bool>* fired, Deadline deadline,
              const FdWaitOptions& opt) {
  Hub& hub = Hub::get();
  GreenletCore* me = hub.current();
  bool woken = false;
  FdArm one;  // the common case, no allocation
  std::unique_ptr<FdArm[]> many(fds.size() > 1 ? new FdArm[fds.size()] : nullptr);
  FdArm* arms = many ? many.get() : &one;
  for (std::size_t i = 0; i < fds.size(); ++i) {
    PollFd& p = fds[i];
    if (p.fd < 0 || (p.events & (READ | WRITE)) == 0) continue;
    p.revents = 0;
    FdArm& a = arms[i];
    a.fd = &p;
    a.wait.greenlet = me;
    a.wait.woken = &woken;
    FdSlot& slot = hub.fd_slots().at(p.fd);
    slot.waits.push_back(a.wait);
    if (opt.checked || fd_open(p.fd)) a.watch(hub, slot, opt.tag);
  }
  std::unique_ptr<ObjectArm[]> links(objects.empty() ? nullptr : new ObjectArm[objects.size()]);
  for (std::size_t k = 0; k < objects.size(); ++k) {
    links[k].greenlet = me;
    links[k].woken = &woken;
    objects[k]->rawlink(links[k]);
  }

  NamedFd named(me, fds);
  if (deadline.forever()) {
    while (!woken) hub.park_untimed(opt.reason);
  } else {
    // A wake that is not ours (another greenlet's wake of a parked greenlet)
    // parks again for what is left, never for the whole timeout.
    while (!woken) {
      Duration left = deadline.left();
      if (left <= Duration::zero() || !hub.park(opt.reason, left)) break;
    }
  }

  for (std::size_t i = 0; i < fds.size(); ++i)
    if (arms[i].wait.closed) fds[i].revents = CLOSED;
  if (fired) {
    fired->assign(objects.size(), false);
    for (std::size_t k = 0; k < objects.size(); ++k) (*fired)[k] = links[k].fired;
  }
  return woken;
}

}  // namespace green::detail

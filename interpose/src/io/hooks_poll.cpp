// io/hooks_poll.cpp — poll, ppoll, select, pselect, epoll_wait, epoll_pwait.
//
// Each asks the kernel first with a zero timeout (so results, revents, error
// codes and POLLNVAL are exactly libc's); only when nothing is ready does the
// greenlet park on all the fds at once, then it asks again. A signal handler
// that runs while parked ends the call with EINTR (see park.h). The signal
// mask of ppoll/pselect/epoll_pwait is applied to the kernel checks only: while
// parked, the thread runs other greenlets under its normal mask (documented).
//
// The hub's own epoll_wait (libev) comes through here too and goes straight
// to libc; its EINTR is how green learns that a signal handler ran.
#include <sys/time.h>

#include <vector>

#include "gate/real.h"
#include "green/sleep.h"
#include "io/blocking_call.h"

namespace gi = green::interpose;
using gi::Hook;

namespace {

gi::Deadline ms_deadline(int ms) noexcept {
  return ms < 0 ? gi::Deadline::never() : gi::Deadline::after(std::chrono::milliseconds(ms));
}
gi::Deadline ts_deadline(const timespec* ts) noexcept { return ts ? gi::Deadline::within(*ts) : gi::Deadline::never(); }

bool zero(const gi::Deadline& d) noexcept { return !d.forever() && d.left() == green::Duration::zero(); }

// Urgent data (POLLPRI, select's exceptfds) wakes no parked wait: the hub's
// epoll, through libev, watches reading and writing only. A wait that asks for
// it checks again at least this often.
constexpr green::Duration kPrioritySlice = std::chrono::milliseconds(10);

// check_and_park: `check()` (a zero-timeout kernel call) until it reports
// something or `d` passes; parks on `fds` in between (at most kPrioritySlice
// at a time when `priority`).
//
// A zero-timeout call is a switch point: a thread that polls in a loop until
// another thread has done something (redis-benchmark's event loop on an
// always-writable socket) must let that thread run, as it would run beside it
// on its own OS thread. Yielding first also gives the hub its turn to poll
// once the ready greenlets' batch is spent, so a thread waiting on I/O or a
// timer wakes too.
template <class Check>
int check_and_park(Hook h, std::vector<green::PollFd> fds, const gi::Deadline& d, bool priority, Check check) {
  if (zero(d)) {
    green::yield();
    return check();
  }
  int r = check();
  if (r != 0) return r;
  for (;;) {
    const bool sliced = priority && (d.forever() || d.left() > kPrioritySlice);
    int w = gi::wait_any_ready(h, fds.data(), fds.size(), sliced ? gi::Deadline::after(kPrioritySlice) : d);
    if (w < 0) return -1;  // EINTR
    r = check();
    if (r != 0 || zero(d)) return r;
  }
}

std::vector<green::PollFd> poll_interests(const pollfd* fds, nfds_t n) {
  std::vector<green::PollFd> out;
  for (nfds_t i = 0; i < n; ++i) {
    int ev = 0;
    if (fds[i].events & (POLLIN | POLLPRI | POLLRDHUP | POLLRDNORM | POLLRDBAND)) ev |= green::READ;
    if (fds[i].events & (POLLOUT | POLLWRNORM | POLLWRBAND)) ev |= green::WRITE;
    // An fd asked for nothing still reports errors and hang-ups: watch it for reading.
    if (fds[i].fd >= 0) out.push_back({fds[i].fd, ev ? ev : green::READ, 0});
  }
  return out;
}

int do_poll(Hook h, pollfd* fds, nfds_t n, const gi::Deadline& d, const sigset_t* mask) {
  if (!gi::active(h)) return -2;
  gi::count(h, gi::Why::green);
  static const timespec kZero{0, 0};
  auto check = [&] { return mask ? REAL(ppoll)(fds, n, &kZero, mask) : REAL(poll)(fds, n, 0); };
  bool priority = false;
  for (nfds_t i = 0; i < n; ++i) priority |= fds[i].fd >= 0 && (fds[i].events & POLLPRI);
  return gi::barrier(
      h, [] { return -2; }, [&] { return check_and_park(h, poll_interests(fds, n), d, priority, check); });
}

std::vector<green::PollFd> select_interests(int nfds, fd_set* r, fd_set* w, fd_set* e) {
  std::vector<green::PollFd> out;
  for (int fd = 0; fd < nfds && fd < FD_SETSIZE; ++fd) {
    int ev = 0;
    if ((r && FD_ISSET(fd, r)) || (e && FD_ISSET(fd, e))) ev |= green::READ;
    if (w && FD_ISSET(fd, w)) ev |= green::WRITE;
    if (ev) out.push_back({fd, ev, 0});
  }
  return out;
}

int do_select(Hook h, int nfds, fd_set* r, fd_set* w, fd_set* e, const gi::Deadline& d, const sigset_t* mask) {
  if (!gi::active(h)) return -2;
  gi::count(h, gi::Why::green);
  // The kernel overwrites the sets: keep what was asked for each check.
  fd_set in[3];
  fd_set* sets[3] = {r, w, e};
  for (int i = 0; i < 3; ++i)
    if (sets[i]) in[i] = *sets[i];
  auto check = [&] {
    for (int i = 0; i < 3; ++i)
      if (sets[i]) *sets[i] = in[i];
    if (mask) {
      timespec z{0, 0};
      return REAL(pselect)(nfds, r, w, e, &z, mask);
    }
    timeval z{0, 0};
    return REAL(select)(nfds, r, w, e, &z);
  };
  bool priority = false;
  for (int fd = 0; e && fd < nfds && fd < FD_SETSIZE; ++fd) priority |= FD_ISSET(fd, &in[2]) != 0;
  return gi::barrier(
      h, [] { return -2; },
      [&] {
        return check_and_park(h, select_interests(nfds, r ? in : nullptr, w ? in + 1 : nullptr, e ? in + 2 : nullptr),
                              d, priority, check);
      });
}

int do_epoll(Hook h, int epfd, epoll_event* ev, int max, int ms, const sigset_t* mask) {
  if (!gi::active(h)) return -2;
  gi::count(h, gi::Why::green);
  auto check = [&] { return mask ? REAL(epoll_pwait)(epfd, ev, max, 0, mask) : REAL(epoll_wait)(epfd, ev, max, 0); };
  std::vector<green::PollFd> fds{{epfd, green::READ, 0}};  // an epoll fd is readable when events are pending
  return gi::barrier(
      h, [] { return -2; }, [&] { return check_and_park(h, fds, ms_deadline(ms), false, check); });
}

// hub_epoll: libev's own call from the hub.
int hub_epoll(int epfd, epoll_event* ev, int max, int ms) {
  gi::hub_poll_begin();
  int r = REAL(epoll_wait)(epfd, ev, max, ms);
  gi::hub_poll_end();
  if (r < 0 && errno == EINTR) gi::on_hub_eintr();
  return r;
}

}  // namespace

// -2 from do_*: not handled by green (inactive, or nothing could ever wake
// us): make the real call.
extern "C" {

int poll(struct pollfd* fds, nfds_t n, int timeout) {
  int r = do_poll(Hook::poll, fds, n, ms_deadline(timeout), nullptr);
  return r == -2 ? REAL(poll)(fds, n, timeout) : r;
}

int __poll_chk(struct pollfd* fds, nfds_t n, int timeout, size_t fdslen) {
  if (fdslen / sizeof(pollfd) < n) return REAL(__poll_chk)(fds, n, timeout, fdslen);
  int r = do_poll(Hook::__poll_chk, fds, n, ms_deadline(timeout), nullptr);
  return r == -2 ? REAL(poll)(fds, n, timeout) : r;
}

int ppoll(struct pollfd* fds, nfds_t n, const struct timespec* ts, const sigset_t* mask) {
  int r = do_poll(Hook::ppoll, fds, n, ts_deadline(ts), mask);
  return r == -2 ? REAL(ppoll)(fds, n, ts, mask) : r;
}

int __ppoll_chk(struct pollfd* fds, nfds_t n, const struct timespec* ts, const sigset_t* mask, size_t fdslen) {
  if (fdslen / sizeof(pollfd) < n) return REAL(__ppoll_chk)(fds, n, ts, mask, fdslen);
  int r = do_poll(Hook::__ppoll_chk, fds, n, ts_deadline(ts), mask);
  return r == -2 ? REAL(ppoll)(fds, n, ts, mask) : r;
}

int select(int nfds, fd_set* r, fd_set* w, fd_set* e, struct timeval* tv) {
  if (nfds < 0 || (tv && (tv->tv_sec < 0 || tv->tv_usec < 0))) return REAL(select)(nfds, r, w, e, tv);
  // Through a timespec: the Deadline saturates a time too long for the clock
  // to never, where adding chrono durations would overflow.
  gi::Deadline d = tv ? gi::Deadline::within(timespec{tv->tv_sec, static_cast<long>(tv->tv_usec) * 1000})
                      : gi::Deadline::never();
  int n = do_select(Hook::select, nfds, r, w, e, d, nullptr);
  if (n == -2) return REAL(select)(nfds, r, w, e, tv);
  if (tv && n >= 0 && !d.forever()) {
    // Linux select reports the time left (of a wait too long to end: unchanged).
    auto left = std::chrono::duration_cast<std::chrono::microseconds>(d.left());
    tv->tv_sec = static_cast<time_t>(left.count() / 1000000);
    tv->tv_usec = static_cast<suseconds_t>(left.count() % 1000000);
  }
  return n;
}

int pselect(int nfds, fd_set* r, fd_set* w, fd_set* e, const struct timespec* ts, const sigset_t* mask) {
  if (nfds < 0 || (ts && (ts->tv_sec < 0 || ts->tv_nsec < 0))) return REAL(pselect)(nfds, r, w, e, ts, mask);
  int n = do_select(Hook::pselect, nfds, r, w, e, ts_deadline(ts), mask);
  return n == -2 ? REAL(pselect)(nfds, r, w, e, ts, mask) : n;
}

int epoll_wait(int epfd, struct epoll_event* ev, int max, int timeout) {
  if (gi::in_hub_now()) {
    gi::count(Hook::epoll_wait, gi::Why::hub);
    return hub_epoll(epfd, ev, max, timeout);
  }
  int r = do_epoll(Hook::epoll_wait, epfd, ev, max, timeout, nullptr);
  return r == -2 ? REAL(epoll_wait)(epfd, ev, max, timeout) : r;
}

int epoll_pwait(int epfd, struct epoll_event* ev, int max, int timeout, const sigset_t* mask) {
  int r = do_epoll(Hook::epoll_pwait, epfd, ev, max, timeout, mask);
  return r == -2 ? REAL(epoll_pwait)(epfd, ev, max, timeout, mask) : r;
}

}  // extern "C"

// gate/park.cpp — see park.h.
#include "gate/park.h"

#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <time.h>

#include <vector>

#include "io/fdtable.h"
#include "green/detail/greenlet_core.h"
#include "runtime_internal.h"
#include "green/hub.h"
#include "green/io.h"
#include "green/sleep.h"
#include "gate/real.h"

namespace green::interpose {

namespace {
// What on_hub_eintr delivers; caught by the wait that registered itself.
struct Interrupted {};

// The greenlets of this thread parked in hooked calls, with whether SA_RESTART
// restarts their call. Nodes live on their greenlets' stacks; only this
// thread touches the list.
struct SignalNode {
  detail::GreenletCore* greenlet;
  bool restartable;
  SignalNode* prev;
  SignalNode* next;
};
thread_local SignalNode* t_parked = nullptr;

// Set by the program's signal handlers (hooks_signal.cpp) while the hub
// sleeps in epoll_wait. Initial-exec: read from signal handlers, where a
// first __tls_get_addr could allocate.
__attribute__((tls_model("initial-exec"))) thread_local volatile sig_atomic_t t_in_hub_poll = 0;
__attribute__((tls_model("initial-exec"))) thread_local volatile sig_atomic_t t_no_restart_ran = 0;

class InterruptScope {
 public:
  explicit InterruptScope(OnSignal s) {
    // The OS thread's list even from a green thread with a descriptor of its
    // own: the hub walks it when a signal interrupts its poll.
    SignalNode*& head = detail::per_os_thread(t_parked);
    node_ = {detail::current_core(), s == OnSignal::restart, nullptr, head};
    if (head) head->prev = &node_;
    head = &node_;
  }
  ~InterruptScope() {
    if (node_.prev) node_.prev->next = node_.next;
    else detail::per_os_thread(t_parked) = node_.next;
    if (node_.next) node_.next->prev = node_.prev;
  }
  InterruptScope(const InterruptScope&) = delete;
  InterruptScope& operator=(const InterruptScope&) = delete;

 private:
  SignalNode node_{};
};

// parked: count a call that actually had to wait.
void parked(Hook h) noexcept { count(h, Why::parked); }
}  // namespace

Deadline Deadline::after(Duration d) noexcept {
  Deadline r;
  r.forever_ = false;
  r.at_ = std::chrono::steady_clock::now() + d;
  return r;
}

Deadline Deadline::from(const timeval& tv) noexcept {
  if (tv.tv_sec == 0 && tv.tv_usec == 0) return never();
  return after(std::chrono::seconds(tv.tv_sec) + std::chrono::microseconds(tv.tv_usec));
}

Deadline Deadline::within(const timespec& ts) noexcept {
  return after(std::chrono::seconds(ts.tv_sec) + std::chrono::nanoseconds(ts.tv_nsec));
}

Deadline Deadline::at(clockid_t clock, const timespec& abs) noexcept {
  timespec now{};
  ::clock_gettime(clock, &now);
  auto d = std::chrono::seconds(abs.tv_sec - now.tv_sec) + std::chrono::nanoseconds(abs.tv_nsec - now.tv_nsec);
  return after(d < Duration::zero() ? Duration::zero() : std::chrono::duration_cast<Duration>(d));
}

Duration Deadline::left() const noexcept {
  if (forever_) return green::forever;
  auto d = std::chrono::duration_cast<Duration>(at_ - std::chrono::steady_clock::now());
  return d < Duration::zero() ? Duration::zero() : d;
}

Deadline socket_deadline(int fd, int opt) noexcept {
  const IoFact none = opt == SO_RCVTIMEO ? IoFact::no_rcvtimeo : IoFact::no_sndtimeo;
  if (io_fact(fd, none) == 1) return Deadline::never();
  const IoStamp stamp = io_stamp(fd);
  int saved = errno;
  timeval tv{};
  socklen_t len = sizeof tv;
  bool ok = REAL(getsockopt)(fd, SOL_SOCKET, opt, &tv, &len) == 0;
  errno = saved;
  if (!ok) return Deadline::never();
  // Only "no timeout" is remembered: a timeout's deadline starts at each call.
  if (tv.tv_sec == 0 && tv.tv_usec == 0) io_remember(fd, none, true, stamp);
  return Deadline::from(tv);
}

int status_flags(int fd) noexcept {
  int saved = errno;
  int fl = REAL(fcntl)(fd, F_GETFL);
  errno = saved;
  return fl;
}

bool reads_park_first(int fd) noexcept {
  return io_facts(fd, {IoFact::read_waits, IoFact::no_rcvtimeo}, {IoFact::nonblocking}) && detail::parking_reaches_loop();
}

void note_read(int fd, bool found_nothing) noexcept {
  if (io_fact(fd, IoFact::read_waits) != static_cast<int>(found_nothing))
    io_remember(fd, IoFact::read_waits, found_nothing, io_stamp(fd));
}

bool read_shut_down(int fd) noexcept {
  int saved = errno;
  pollfd p{fd, POLLRDHUP, 0};
  bool shut = REAL(poll)(&p, 1, 0) == 1 && (p.revents & POLLRDHUP);
  errno = saved;
  return shut;
}

bool user_nonblocking(int fd) noexcept {
  int known = io_fact(fd, IoFact::nonblocking);
  if (known >= 0) return known == 1;
  const IoStamp stamp = io_stamp(fd);
  int fl = status_flags(fd);
  if (fl < 0) return false;
  io_remember(fd, IoFact::nonblocking, (fl & O_NONBLOCK) != 0, stamp);
  return (fl & O_NONBLOCK) != 0;
}

int wait_fd_ready(Hook h, int fd, int events, const Deadline& d, OnSignal s) {
  parked(h);
  std::uint32_t gen = fd_generation(fd);
  InterruptScope scope(s);
  int r;
  try {
    // Every caller saw the fd open, pollable and not ready just now; the
    // generation names the file, so the hub may reuse its registration.
    r = detail::wait_fd_known(fd, events, d.left(), gen);
  } catch (const Interrupted&) {
    errno = EINTR;
    return -1;
  }
  if (fd_generation(fd) != gen) {
    errno = EBADF;  // closed (and maybe reused) while we waited
    return -1;
  }
  if (r < 0) {
    // EPERM: not pollable after all (its number was reused by unseen code):
    // report ready, the call itself tells the truth.
    return errno == EPERM ? 1 : -1;
  }
  return r > 0 ? 1 : 0;
}

int wait_any_ready(Hook h, const Interest* fds, std::size_t n, const Deadline& d) {
  if (n == 0) return sleep_until(h, d);
  parked(h);
  std::vector<detail::FdInterest> in(n);
  for (std::size_t i = 0; i < n; ++i) in[i] = {fds[i].fd, fds[i].events, 0};
  InterruptScope scope(OnSignal::interrupt);
  try {
    return detail::wait_fds(in.data(), n, d.left()) > 0 ? 1 : 0;
  } catch (const Interrupted&) {
    errno = EINTR;
    return -1;
  }
}

int sleep_until(Hook h, const Deadline& d, OnSignal s) {
  parked(h);
  InterruptScope scope(s);
  try {
    if (d.forever()) {
      // Nothing but a signal ends this wait (pause()-like): keep the loop
      // blocking in epoll_wait instead of reporting "would block forever".
      KeepAlive hold;
      for (;;) green::sleep(std::chrono::hours(24));
    }
    green::sleep(d.left());
  } catch (const Interrupted&) {
    errno = EINTR;
    return -1;
  }
  return 0;
}

void hub_poll_begin() noexcept { t_in_hub_poll = 1; }
void hub_poll_end() noexcept { t_in_hub_poll = 0; }

void note_handler_ran(bool restart) noexcept {
  if (!restart && t_in_hub_poll) t_no_restart_ran = 1;
}

void on_hub_eintr() noexcept {
  // A handler without SA_RESTART ran: natively, every call blocked in the
  // kernel would have returned EINTR, restartable or not.
  bool all = t_no_restart_ran != 0;
  t_no_restart_ran = 0;
  if (!t_parked) return;
  std::exception_ptr e;
  try {
    e = std::make_exception_ptr(Interrupted{});
  } catch (...) {
    return;  // out of memory: the waits stay parked, as under SA_RESTART
  }
  for (SignalNode* n = t_parked; n; n = n->next)
    if (all || !n->restartable) detail::interrupt(n->greenlet, e);
}

}  // namespace green::interpose

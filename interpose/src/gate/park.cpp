// gate/park.cpp — see park.h.
#include "gate/park.h"

#include <sys/syscall.h>
#include <unistd.h>

#include <atomic>

#include <signal.h>

#include "gate/real.h"
#include "green/detail/greenlet_core.h"
#include "green/hub.h"
#include "green/io.h"
#include "green/sleep.h"
#include "io/fdtable.h"
#include "runtime_internal.h"

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

int wait_fd_ready(Hook h, int fd, int events, const Deadline& d, OnSignal s) {
  parked(h);
  detail::TracedPark traced(hook_name(h), fd);
  std::uint32_t gen = fd_generation(fd);
  InterruptScope scope(s);
  int r;
  try {
    // Every caller saw the fd open, pollable and not ready just now; the
    // generation names the file, so the hub may reuse its registration.
    r = detail::wait_fd_known(fd, events, d, gen);
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

int wait_any_ready(Hook h, green::PollFd* fds, std::size_t n, const Deadline& d) {
  if (n == 0) return sleep_until(h, d);
  parked(h);
  detail::TracedPark traced(hook_name(h), n == 1 ? fds[0].fd : -1);
  InterruptScope scope(OnSignal::interrupt);
  try {
    return detail::wait_fds(fds, n, d) > 0 ? 1 : 0;
  } catch (const Interrupted&) {
    errno = EINTR;
    return -1;
  }
}

int sleep_until(Hook h, const Deadline& d, OnSignal s) {
  parked(h);
  detail::TracedPark traced(hook_name(h), -1);
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

namespace {
// Program handlers run, per OS thread (by kernel tid, 64 slots: two threads
// sharing one only wake each other's sigsuspend early). Not thread_local: a
// handler may run while any green thread's descriptor is installed.
std::atomic<unsigned> g_handler_runs[64];
std::atomic<unsigned>& handler_slot() noexcept {
  return g_handler_runs[static_cast<unsigned long>(green::detail::os_tid()) % 64];
}
}  // namespace

void note_handler_ran(bool restart) noexcept {
  handler_slot().fetch_add(1, std::memory_order_relaxed);
  if (!restart && t_in_hub_poll) t_no_restart_ran = 1;
}

unsigned handlers_ran_here() noexcept { return handler_slot().load(std::memory_order_relaxed); }

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

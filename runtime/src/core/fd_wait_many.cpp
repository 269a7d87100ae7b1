// core/fd_wait_many.cpp — waits on several fds at once (runtime_internal.h).
#include "runtime_internal.h"

#include <fcntl.h>
#include <sys/syscall.h>
#include <unistd.h>

#include <cerrno>
#include <memory>
#include <vector>

#include "green/io.h"
#include "green/detail/sched.h"
#include "core/hub_core.h"

namespace green::detail {

bool hub_exists() noexcept { return Hub::peek() != nullptr; }

bool parking_reaches_loop() noexcept {
  Hub* h = Hub::peek();
  return !h || (!h->in_hub() && h->nothing_ready());
}

GreenletCore* running_greenlet() noexcept {
  Hub* h = Hub::peek();
  return h && !h->in_hub() ? h->current() : nullptr;
}

namespace {
// One fd of a wait_fds call: the close list entry and the libev watch.
struct Slot {
  FdWait wait;
  FdWatch watch;
  FdInterest* interest = nullptr;
  bool* any = nullptr;
  Slot() : watch(&Slot::on_ready, this) {}
  static void on_ready(void* arg, int revents) {
    auto* s = static_cast<Slot*>(arg);
    s->interest->revents = revents;
    // An EV_ERROR watch is already stopped; a ready one fires again until stopped.
    s->watch.stop();
    *s->any = true;
    wake(s->wait.greenlet);
  }
};

// is_open: `fd` is an open fd. A raw syscall: under the preload, fcntl is hooked.
bool is_open(int fd) noexcept {
  int saved = errno;
  bool open = ::syscall(SYS_fcntl, fd, F_GETFD) >= 0 || errno != EBADF;
  errno = saved;
  return open;
}
}  // namespace

int wait_fds(FdInterest* fds, std::size_t n, Duration timeout) {
  Hub& hub = Hub::get();
  bool any = false;
  // A vector, not the stack: poll() may pass thousands of fds.
  std::unique_ptr<Slot[]> slots(n ? new Slot[n] : nullptr);
  for (std::size_t i = 0; i < n; ++i) {
    fds[i].revents = 0;
    Slot& s = slots[i];
    s.interest = &fds[i];
    s.any = &any;
    s.wait.greenlet = hub.current();
    s.wait.watch = &s.watch;
    hub.add_fd_wait(fds[i].fd, s.wait);
    // Debian's libev aborts on epoll_ctl's EBADF. The kernel's select ignores
    // fds above its fd table without EBADF, so select hands us such numbers
    // (found by tests/fuzz): not watched, as the kernel does not watch them.
    if (is_open(fds[i].fd)) s.watch.start(hub.loop(), fds[i].fd, fds[i].events);
  }
  auto closed = [&] {
    bool c = false;
    for (std::size_t i = 0; i < n; ++i)
      if (slots[i].wait.closed) {
        fds[i].revents = -1;
        c = true;
      }
    return c;
  };
  while (!any && !closed()) {
    if (!hub.park("poll/select: one of several fds to become ready", timeout)) break;
  }
  int ready = 0;
  for (std::size_t i = 0; i < n; ++i) {
    slots[i].watch.stop();
    if (fds[i].revents != 0) ++ready;
  }
  return ready;
}

void wake_queued(GreenletCore* g) noexcept {
  if (g->state_ != GreenletCore::State::parked) return;
  Hub& hub = *g->hub_;
  bool was = hub.defer_wakes_;
  hub.defer_wakes_ = true;
  hub.wake(g);
  hub.defer_wakes_ = was;
}

void interrupt(GreenletCore* g, std::exception_ptr e) noexcept {
  if (g->state_ != GreenletCore::State::parked) return;
  if (!g->pending_) g->pending_ = std::move(e);
  wake_queued(g);
}

namespace {
thread_local int t_native_threads = 0;
}
NativeThreads::NativeThreads() noexcept { ++t_native_threads; }
NativeThreads::~NativeThreads() { --t_native_threads; }
bool native_threads_requested() noexcept { return t_native_threads > 0; }

}  // namespace green::detail

// toolkit/select.cpp — green::select and poll_fds (green/select.h).
//
// One zero-timeout ppoll answers "is anything ready now?". Only when nothing
// is does the caller park, with one fd watch per fd (listed with the hub so
// notify_close reaches it, exactly like wait_fd) and one link per object, all
// waking the same greenlet. Whatever woke it, the answer is taken afresh with
// a second ppoll plus the objects' ready(), so every fd and object that is
// ready at return is reported, not just the first to fire.
#include "green/select.h"

#include <poll.h>
#include <sys/syscall.h>
#include <unistd.h>

#include <cerrno>
#include <deque>
#include <system_error>

#include "core/hub_core.h"

namespace green {

namespace detail {

namespace {
// poll_now: zero-timeout readiness of every fd into revents. A raw syscall:
// under the preload, poll() itself is hooked.
void poll_now(std::span<PollFd> fds) {
  std::vector<pollfd> p(fds.size());
  for (std::size_t i = 0; i < fds.size(); ++i) {
    const int ev = fds[i].events;
    p[i] = {fds[i].fd, static_cast<short>((ev & READ ? POLLIN : 0) | (ev & WRITE ? POLLOUT : 0)), 0};
  }
  timespec zero{0, 0};
  long r;
  do {
    r = ::syscall(SYS_ppoll, p.data(), p.size(), &zero, nullptr, 0);
  } while (r < 0 && errno == EINTR);
  if (r < 0) throw std::system_error(errno, std::generic_category(), "green::select: ppoll failed");
  for (std::size_t i = 0; i < fds.size(); ++i) {
    const short re = p[i].revents;
    int out = 0;
    // Errors and hang-ups make both directions "ready": the next call reports them.
    if (re & (POLLIN | POLLHUP | POLLERR)) out |= READ;
    if (re & (POLLOUT | POLLERR)) out |= WRITE;
    out &= fds[i].events;
    if (re & POLLNVAL) out |= CLOSED;
    fds[i].revents = out;
  }
}

// SelectSlot: one fd being watched for the parked caller.
struct SelectSlot {
  explicit SelectSlot(GreenletCore* g) : watch(&SelectSlot::on_ready, this) { wait.greenlet = g; }
  static void on_ready(void* arg, int revents) {
    auto* s = static_cast<SelectSlot*>(arg);
    s->fired = revents < 0 ? CLOSED : revents;
    wake(s->wait.greenlet);
  }
  FdWait wait;
  FdWatch watch;
  int fired = 0;
};

// ObjectSlot: one object linked for the parked caller.
struct ObjectSlot final : LinkNode {
  explicit ObjectSlot(GreenletCore* g) : greenlet(g) {}
  ~ObjectSlot() { Linkable::unlink(*this); }
  void fire() override {
    fired = true;
    wake(greenlet);
  }
  GreenletCore* greenlet;
  bool fired = false;
};

std::size_t collect(std::span<PollFd> fds, std::span<Linkable* const> objects, std::vector<bool>& ready) {
  poll_now(fds);
  std::size_t n = 0;
  for (const PollFd& p : fds) n += p.revents != 0;
  for (std::size_t i = 0; i < objects.size(); ++i) {
    ready[i] = objects[i]->ready();
    n += ready[i];
  }
  return n;
}
}  // namespace

std::size_t select_core(std::span<PollFd> fds, std::span<Linkable* const> objects, std::vector<bool>& ready,
                        Duration timeout) {
  ready.assign(objects.size(), false);
  std::size_t n = collect(fds, objects, ready);
  if (n > 0 || timeout <= Duration::zero()) return n;

  Hub& hub = Hub::get();
  GreenletCore* me = hub.current();
  std::deque<SelectSlot> fd_slots;  // a deque: slots never move once watched
  std::deque<ObjectSlot> object_slots;
  for (const PollFd& p : fds) {
    if (p.fd < 0 || (p.events & (READ | WRITE)) == 0) continue;
    SelectSlot& s = fd_slots.emplace_back(me);
    s.wait.watch = &s.watch;
    hub.add_fd_wait(p.fd, s.wait);
    s.watch.start(hub.loop(), p.fd, p.events & (READ | WRITE));
  }
  for (Linkable* o : objects) o->rawlink(object_slots.emplace_back(me));

  auto something_fired = [&] {
    for (const SelectSlot& s : fd_slots)
      if (s.fired || s.wait.closed) return true;
    for (const ObjectSlot& s : object_slots)
      if (s.fired) return true;
    return false;
  };
  const Deadline deadline = deadline_after(timeout);
  const char* reason = objects.empty() ? "select: one of several fds to become ready"
                                       : "select: one of several fds or objects to become ready";
  while (!something_fired()) {
    Duration left = time_left(deadline);
    if (left <= Duration::zero() || !hub.park(reason, left)) break;
  }
  for (SelectSlot& s : fd_slots) s.watch.stop();

  n = collect(fds, objects, ready);
  std::size_t i = 0;
  for (PollFd& p : fds) {
    if (p.fd < 0 || (p.events & (READ | WRITE)) == 0) continue;
    const SelectSlot& s = fd_slots[i++];
    // Closed under the wait: the number may already belong to a new fd, so
    // the fresh poll cannot be trusted for it.
    if (s.wait.closed) {
      n += p.revents == 0;
      p.revents = CLOSED;
    }
  }
  for (std::size_t k = 0; k < object_slots.size(); ++k) {
    if (object_slots[k].fired && !ready[k]) {
      ready[k] = true;  // released by a set() that a clear() already undid: still a wakeup
      ++n;
    }
  }
  return n;
}

}  // namespace detail

Selected select(std::span<const int> rlist, std::span<const int> wlist, Duration timeout) {
  std::vector<PollFd> fds;
  fds.reserve(rlist.size() + wlist.size());
  for (int fd : rlist) fds.push_back({fd, READ, 0});
  for (int fd : wlist) fds.push_back({fd, WRITE, 0});
  std::vector<bool> none;
  detail::select_core(fds, {}, none, timeout);
  Selected out;
  for (std::size_t i = 0; i < fds.size(); ++i) {
    if (fds[i].revents == 0) continue;
    (i < rlist.size() ? out.readable : out.writable).push_back(fds[i].fd);
  }
  return out;
}

}  // namespace green

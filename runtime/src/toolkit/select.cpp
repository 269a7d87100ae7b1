// toolkit/select.cpp — green::select and poll_fds (green/select.h).
//
// One zero-timeout poll (the fd-wait engine's check_fds) answers "is anything
// ready now?". Only when nothing is does the caller park, on the engine's
// wait_any: every fd and object waking the same greenlet, close rules as for
// wait_fd. Whatever woke it, the answer is taken afresh with a second check
// plus the objects' ready(), so every fd and object that is ready at return is
// reported, not just the first to fire.
#include "green/select.h"

#include <cerrno>
#include <system_error>

#include "core/fd_engine.h"

namespace green {

namespace detail {

namespace {
std::size_t collect(std::span<PollFd> fds, std::span<Linkable* const> objects, std::vector<bool>& ready) {
  long r = check_fds(fds);
  if (r < 0) throw std::system_error(errno, std::generic_category(), "green::select: ppoll failed");
  auto n = static_cast<std::size_t>(r);
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

  const char* reason = objects.empty() ? "select: one of several fds to become ready"
                                       : "select: one of several fds or objects to become ready";
  std::vector<bool> fired;
  wait_any(fds, objects, &fired, Deadline::after(timeout), {reason, true, 0});
  std::vector<bool> closed(fds.size());
  for (std::size_t i = 0; i < fds.size(); ++i) closed[i] = (fds[i].revents & CLOSED) != 0;

  n = collect(fds, objects, ready);
  for (std::size_t i = 0; i < fds.size(); ++i) {
    // Closed under the wait: the number may already belong to a new fd, so
    // the fresh poll cannot be trusted for it.
    if (closed[i]) {
      n += fds[i].revents == 0;
      fds[i].revents = CLOSED;
    }
  }
  for (std::size_t k = 0; k < objects.size(); ++k) {
    if (fired[k] && !ready[k]) {
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

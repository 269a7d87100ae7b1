// green/select.h — wait until any of several fds or waitable objects is
// ready (gevent.select).
//
//   green::PollFd fds[] = {{a, green::READ}, {b, green::READ | green::WRITE}};
//   if (green::poll_fds(fds, 1s) > 0) { /* fds[i].revents says which */ }
//
//   auto r = green::select({sock_a, sock_b}, {}, 500ms);   // r.readable: fds
//   green::Event stop;
//   auto s = green::select(fds, std::vector{&stop}, 1s);    // fds and objects
//
// Only the calling greenlet parks; others run meanwhile. The fds must be
// pollable (sockets, pipes, eventfds, ...); regular files are always ready,
// as poll() says. Objects are any green::Waitable (wait.h): greenlets,
// Event*, AsyncResult<T>*, std::ref(...).
//
// Shared rules: a zero (or negative) timeout only checks. Kill and Timeout
// aimed at the caller interrupt the wait and leave no watcher or link behind.
// Called from the hub when it would have to wait, they throw
// BlockingInHubError. An fd closed during the wait (green::notify_close,
// Socket::close, close() under the preload) wakes the caller and is reported
// with CLOSED.
#pragma once

#include <cstddef>
#include <initializer_list>
#include <ranges>
#include <span>
#include <vector>

#include "green/detail/linkable.h"
#include "green/duration.h"
#include "green/io.h"
#include "green/wait.h"

namespace green {

namespace detail {
// select_core: the one implementation. Fills fds[i].revents and ready[i] for
// each object; returns how many fds plus objects are ready.
std::size_t select_core(std::span<PollFd> fds, std::span<Linkable* const> objects, std::vector<bool>& ready,
                        Duration timeout);
}  // namespace detail

// poll_fds: poll() for greenlets: park until at least one fd is ready (or CLOSED) or `timeout` passes.
// Returns how many entries have a non-zero revents (0 on timeout). Never
// throws for fd problems (they are reported with CLOSED).
inline std::size_t poll_fds(std::span<PollFd> fds, Duration timeout = forever) {
  std::vector<bool> none;
  return detail::select_core(fds, {}, none, timeout);
}

// Selected: what select() found ready, each list in input order.
struct Selected {
  std::vector<int> readable;  // fds of rlist ready to read (or closed)
  std::vector<int> writable;  // fds of wlist ready to write (or closed)
  bool empty() const noexcept { return readable.empty() && writable.empty(); }
};

// select: Python's select.select without the exceptional list: park until
// some fd of `rlist` is readable or of `wlist` writable, or `timeout` passes
// (then both lists are empty). A closed fd counts as ready, so that the next
// call on it reports the error.
Selected select(std::span<const int> rlist, std::span<const int> wlist, Duration timeout = forever);
inline Selected select(std::initializer_list<int> rlist, std::initializer_list<int> wlist, Duration timeout = forever) {
  return select(std::span<const int>(rlist.begin(), rlist.size()), std::span<const int>(wlist.begin(), wlist.size()),
                timeout);
}

// SelectResult: what select(fds, objects) found: the ready fd count (their
// revents are filled in) and the indices of the ready objects, in input order.
struct SelectResult {
  std::size_t fds_ready = 0;
  std::vector<std::size_t> objects_ready;
  bool empty() const noexcept { return fds_ready == 0 && objects_ready.empty(); }
};

// select: park until any fd of `fds` or any object of `objects` is ready, or
// `timeout` passes (then the result is empty). An object counts as ready
// when waiting on it would return at once (an Event set, a greenlet dead).
template <std::ranges::input_range R>
requires Waitable<std::ranges::range_value_t<R>> SelectResult select(std::span<PollFd> fds, R&& objects,
                                                                     Duration timeout = forever) {
  std::vector<detail::Linkable*> links;
  for (const auto& h : objects) links.push_back(&detail::linkable_of(h));
  std::vector<bool> ready;
  SelectResult out;
  detail::select_core(fds, links, ready, timeout);
  for (const PollFd& p : fds) out.fds_ready += p.revents != 0;
  for (std::size_t i = 0; i < ready.size(); ++i)
    if (ready[i]) out.objects_ready.push_back(i);
  return out;
}

}  // namespace green

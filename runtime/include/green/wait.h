// green/wait.h — wait for many greenlets (or any waitable) at once.
//
//   std::vector<green::Greenlet<int>> gs;
//   for (int i = 0; i < 3; ++i) gs.push_back(green::spawn(work, i));
//   green::joinall(gs);
//   for (auto& g : green::iwait(gs)) use(g.get());   // in completion order
//
// A "waitable" is any handle with linkable(): Greenlet<T>, AnyGreenlet, or a
// pointer / std::shared_ptr / std::reference_wrapper to the toolkit's Event,
// AsyncResult or Semaphore. All functions accept any range of handles and
// must run on the handles' hub thread.
#pragma once

#include <concepts>
#include <cstddef>
#include <deque>
#include <functional>
#include <memory>
#include <optional>
#include <ranges>
#include <type_traits>
#include <vector>

#include "green/detail/deadline.h"
#include "green/detail/next_iterator.h"
#include "green/greenlet.h"
#include "green/timeout.h"
#include "green/waiter.h"

namespace green {

namespace detail {
template <class H>
concept HasLinkable = requires(H& h) {
  { h.linkable() } -> std::convertible_to<Linkable&>;
};
template <class H>
struct IsRefWrapper : std::false_type {};
template <class U>
struct IsRefWrapper<std::reference_wrapper<U>> : std::true_type {};
// IsSharedPtr: a std::shared_ptr to an object with linkable() (what
// ThreadPool::spawn returns).
template <class H>
struct IsSharedPtr : std::false_type {};
template <class U>
struct IsSharedPtr<std::shared_ptr<U>> : std::true_type {};
}  // namespace detail

// Waitable: a handle with linkable() (a Greenlet), or a pointer, std::shared_ptr
// or std::reference_wrapper to an object with one (Event*, std::ref(result),
// what ThreadPool::spawn returns):
// Events and AsyncResults cannot be copied into the range, so they are
// waited on through pointers or references.
template <class H>
concept Waitable = detail::HasLinkable<const H> ||
                   (std::is_pointer_v<H>&& detail::HasLinkable<std::remove_pointer_t<H>>) ||
                   (detail::IsRefWrapper<H>::value && detail::HasLinkable<typename H::type>) ||
                   (detail::IsSharedPtr<H>::value && detail::HasLinkable<typename H::element_type>);

namespace detail {
// linkable_of: the Linkable behind any Waitable handle.
template <Waitable H>
Linkable& linkable_of(const H& h) {
  if constexpr (std::is_pointer_v<H> || IsSharedPtr<H>::value) {
    return h->linkable();
  } else if constexpr (IsRefWrapper<H>::value) {
    return h.get().linkable();
  } else {
    return h.linkable();
  }
}
}  // namespace detail

// IWait: the objects of a range, yielded as they become ready (completion
// order; those ready at the start come first, in input order). Stops after
// `count` objects or when `timeout` (measured from construction) passes.
// Iterating parks the caller. Not copyable or movable: it links into the objects.
template <Waitable H>
class IWait {
 public:
  template <std::ranges::input_range R>
  IWait(R&& objects, Duration timeout, std::size_t count)
      : objects_(std::ranges::begin(objects), std::ranges::end(objects)),
        nodes_(objects_.size()),
        limit_(count < objects_.size() ? count : objects_.size()),
        deadline_(detail::Deadline::after(timeout)) {
    for (std::size_t i = 0; i < objects_.size(); ++i) {
      nodes_[i].owner = this;
      nodes_[i].index = i;
      detail::linkable_of(objects_[i]).rawlink(nodes_[i]);
    }
  }
  IWait(const IWait&) = delete;
  IWait& operator=(const IWait&) = delete;
  ~IWait() {
    for (auto& n : nodes_) detail::Linkable::unlink(n);
  }

  // next: the next ready object, or nullopt when `count` were yielded or time ran out.
  std::optional<H> next() {
    if (yielded_ == limit_) return std::nullopt;
    while (done_.empty()) {
      Duration left = deadline_.left();
      if (left <= Duration::zero()) return std::nullopt;
      waiter_.reset();
      waiter_.wait(left, "iwait: one of several objects to become ready");
    }
    std::size_t i = done_.front();
    done_.pop_front();
    ++yielded_;
    return objects_[i];
  }

  using iterator = detail::NextIterator<IWait, H>;
  iterator begin() { return iterator(this); }
  std::default_sentinel_t end() { return {}; }

 private:
  struct Node final : detail::LinkNode {
    IWait* owner = nullptr;
    std::size_t index = 0;
    void fire() override {
      owner->done_.push_back(index);
      owner->waiter_.switch_();
    }
  };

  std::vector<H> objects_;
  std::vector<Node> nodes_;
  std::deque<std::size_t> done_;
  Waiter<void> waiter_;
  std::size_t limit_;
  std::size_t yielded_ = 0;
  detail::Deadline deadline_;
};

template <std::ranges::input_range R>
requires Waitable<std::ranges::range_value_t<R>> IWait(R&&, Duration, std::size_t)
->IWait<std::ranges::range_value_t<R>>;

// iwait: see IWait.
template <std::ranges::input_range R>
requires Waitable<std::ranges::range_value_t<R>> IWait<std::ranges::range_value_t<R>> iwait(
    R&& objects, Duration timeout = forever, std::size_t count = static_cast<std::size_t>(-1)) {
  return IWait<std::ranges::range_value_t<R>>(std::forward<R>(objects), timeout, count);
}

// wait: park until `count` objects (all by default) are ready or `timeout`
// passes; returns the ready ones in completion order.
template <std::ranges::input_range R>
requires Waitable<std::ranges::range_value_t<R>> std::vector<std::ranges::range_value_t<R>> wait(
    R&& objects, Duration timeout = forever, std::size_t count = static_cast<std::size_t>(-1)) {
  std::vector<std::ranges::range_value_t<R>> out;
  IWait<std::ranges::range_value_t<R>> it(std::forward<R>(objects), timeout, count);
  while (auto h = it.next()) out.push_back(std::move(*h));
  return out;
}

// wait (no objects): park the main greenlet until nothing else is left to
// run: no greenlet is ready, and no timer, fd watch (a started server),
// KeepAlive or call posted to the hub could make one ready (gevent.wait()).
// Greenlets parked for good on something nothing will set are left as they
// are; no LoopExit is raised. To bound it, arm a Timeout around it (its timer counts as something
// left, so it fires). Kill interrupts it. Only from the main greenlet
// (std::logic_error otherwise); BlockingInHubError from the hub.
void wait();

// joinall: wait for greenlets to die (all, or until `timeout`); returns those
// that did, in completion order. With raise_error, the first failure seen is
// rethrown at once (the other greenlets keep running).
template <std::ranges::input_range R>
requires std::derived_from<std::ranges::range_value_t<R>, AnyGreenlet> std::vector<std::ranges::range_value_t<R>>
joinall(R&& greenlets, Duration timeout = forever, bool raise_error = false) {
  std::vector<std::ranges::range_value_t<R>> out;
  IWait<std::ranges::range_value_t<R>> it(std::forward<R>(greenlets), timeout, static_cast<std::size_t>(-1));
  while (auto g = it.next()) {
    if (raise_error && !g->successful()) std::rethrow_exception(g->exception());
    out.push_back(std::move(*g));
  }
  return out;
}

// killall: kill every greenlet (GreenletExit when `exc` is null) without
// waiting in between; with `block`, then wait up to `timeout` for all to die.
// When `timeout` runs out first, throws Timeout::expired(timeout) (gevent
// raises Timeout); the survivors keep their pending kill.
template <std::ranges::input_range R>
requires std::derived_from<std::ranges::range_value_t<R>, AnyGreenlet>
void killall(R&& greenlets, std::exception_ptr exc = nullptr, bool block = true, Duration timeout = forever) {
  std::size_t n = 0;
  for (const AnyGreenlet& g : greenlets) {
    g.kill(exc, false);
    ++n;
  }
  if (block && joinall(greenlets, timeout).size() < n) throw Timeout::expired(timeout);
}

}  // namespace green

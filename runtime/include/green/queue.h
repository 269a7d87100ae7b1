// green/queue.h — queues between greenlets (gevent.queue).
//
//   green::Queue<int> q(10);                          // at most 10 items
//   green::spawn([&] { q.put(1); q.close(); });  for (int v : q) use(v);
//
// One API for every queue here (and Channel, green/channel.h):
//
//   put(x, timeout)      may switch while full; throws Timeout::expired on timeout
//   get(timeout)         may switch while empty; throws Timeout::expired on timeout
//   try_put(x, timeout)  bool   — false on timeout; the default timeout only tries
//   try_get(timeout)     optional<T> — nullopt on timeout; default only tries
//   put_nowait(x)        throws QueueFull;  get_nowait() throws QueueEmpty
//
// Every waiting call throws QueueShutDown once the queue is closed (a getter
// only after the queue drained). Kill and a green::Timeout interrupt any wait
// without leaving a waiter behind and without losing an item: a woken getter
// takes the item itself when it runs, so a getter killed before it ran never
// held one (see green/detail/waitlist.h). Putters and getters are served in
// the order they arrived (FIFO). Objects belong to the hub thread that uses them.
#pragma once

#include <algorithm>
#include <cstddef>
#include <deque>
#include <functional>
#include <iterator>
#include <optional>
#include <stdexcept>
#include <utility>
#include <vector>

#include "green/detail/next_iterator.h"
#include "green/detail/waitlist.h"
#include "green/duration.h"
#include "green/event.h"
#include "green/timeout.h"

namespace green {

// QueueEmpty / QueueFull: get_nowait on an empty queue / put_nowait on a full one.
class QueueEmpty : public std::runtime_error {
 public:
  QueueEmpty() : std::runtime_error("green: get_nowait() on an empty queue") {}
};
class QueueFull : public std::runtime_error {
 public:
  QueueFull() : std::runtime_error("green: put_nowait() on a full queue") {}
};
// QueueShutDown: put on a closed queue, or get on a closed queue that drained.
class QueueShutDown : public std::runtime_error {
 public:
  QueueShutDown() : std::runtime_error("green: the queue was closed (shut down)") {}
};

namespace detail {
// value_or_expired: the value, or Timeout::expired(timeout) when there is none.
template <class T>
T value_or_expired(std::optional<T>&& v, Duration timeout) {
  if (!v) throw Timeout::expired(timeout);
  return std::move(*v);
}

// The three orders a queue can hand items out in. EndStore: items pushed at
// the back, taken from the front (FIFO, a deque) or the back (LIFO, a vector).
template <class T, class Container, bool kFromBack>
struct EndStore {
  Container items;
  template <class U>
  void push(U&& v) {
    items.emplace_back(std::forward<U>(v));
  }
  const T& peek() const {
    if constexpr (kFromBack) {
      return items.back();
    } else {
      return items.front();
    }
  }
  T pop() {
    if constexpr (kFromBack) {
      T v = std::move(items.back());
      items.pop_back();
      return v;
    } else {
      T v = std::move(items.front());
      items.pop_front();
      return v;
    }
  }
};
template <class T>
using FifoStore = EndStore<T, std::deque<T>, false>;
template <class T>
using LifoStore = EndStore<T, std::vector<T>, true>;
// HeapStore: smallest first by `Less` (Python's PriorityQueue), unlike std::priority_queue.
template <class T, class Less>
struct HeapStore {
  std::vector<T> items;
  static bool after(const T& a, const T& b) { return Less{}(b, a); }
  template <class U>
  void push(U&& v) {
    items.emplace_back(std::forward<U>(v));
    std::push_heap(items.begin(), items.end(), &after);
  }
  const T& peek() const { return items.front(); }
  T pop() {
    std::pop_heap(items.begin(), items.end(), &after);
    T v = std::move(items.back());
    items.pop_back();
    return v;
  }
};

}  // namespace detail

// BasicQueue: the queue behind Queue, LifoQueue and PriorityQueue; `Store`
// decides the order items come out in.
template <class T, class Store>
class BasicQueue {
 public:
  // maxsize 0: unbounded (put never waits).
  explicit BasicQueue(std::size_t maxsize = 0) : maxsize_(maxsize) {}
  BasicQueue(const BasicQueue&) = delete;
  BasicQueue& operator=(const BasicQueue&) = delete;
  virtual ~BasicQueue() = default;

  // put: add `item`, parking while the queue is full. Throws
  // Timeout::expired(timeout) when still full after `timeout`, QueueShutDown
  // when closed (before or during the wait). The item is not consumed unless
  // it was stored.
  template <class U = T>
  void put(U&& item, Duration timeout = forever) {
    if (!try_put(std::forward<U>(item), timeout)) throw Timeout::expired(timeout);
  }
  // try_put: put, returning false instead of throwing on timeout (by default
  // it only tries). QueueShutDown still throws.
  template <class U = T>
  bool try_put(U&& item, Duration timeout = Duration::zero()) {
    bool room = detail::wait_until(
        putters_, timeout, "Queue.put",
        [this] {
          if (closed_) throw QueueShutDown();
          return has_room();
        },
        [this] { wake_putters(); });
    if (!room) return false;
    store_.push(std::forward<U>(item));
    on_put();
    wake_getters();
    return true;
  }
  // put_nowait: put without waiting; throws QueueFull, QueueShutDown. Never switches.
  template <class U = T>
  void put_nowait(U&& item) {
    if (!try_put(std::forward<U>(item))) throw QueueFull();
  }

  // get: remove and return the next item, parking while empty. Throws
  // Timeout::expired(timeout) when still empty after `timeout`, QueueShutDown
  // when closed and drained.
  T get(Duration timeout = forever) { return detail::value_or_expired(try_get(timeout), timeout); }
  // try_get: get, returning nullopt instead of throwing on timeout (by
  // default it only tries). QueueShutDown still throws.
  std::optional<T> try_get(Duration timeout = Duration::zero()) {
    if (!wait_for_item(timeout, "Queue.get")) return std::nullopt;
    std::optional<T> v(store_.pop());
    wake_putters();
    return v;
  }
  // get_nowait: get without waiting; throws QueueEmpty, QueueShutDown. Never switches.
  T get_nowait() {
    if (auto v = try_get()) return std::move(*v);
    throw QueueEmpty();
  }

  // peek: a copy of the item get() would return, without removing it,
  // parking while empty; same timeout, shutdown and kill rules as get.
  // gevent's Queue.peek. Other getters parked meanwhile still get woken.
  T peek(Duration timeout = forever) {
    if (!wait_for_item(timeout, "Queue.peek")) throw Timeout::expired(timeout);
    T v = store_.peek();
    wake_getters();  // the item is still there: a parked getter may take it
    return v;
  }
  // peek_nowait: peek without waiting; throws QueueEmpty, QueueShutDown. Never switches.
  T peek_nowait() {
    if (has_item()) return store_.peek();
    if (closed_) throw QueueShutDown();
    throw QueueEmpty();
  }

  // close: refuse further puts and wake every waiter: putters throw
  // QueueShutDown, getters drain what is left and then throw it. Never
  // switches; idempotent. shutdown(true) also discards the items left.
  void close() { shutdown(false); }
  void shutdown(bool immediate = false) {
    closed_ = true;
    if (immediate) {
      std::size_t n = store_.items.size();
      store_.items.clear();
      on_discard(n);
    }
    getters_.notify_all();
    putters_.notify_all();
  }
  bool closed() const noexcept { return closed_; }

  // size / empty / full / maxsize: the state now. Never switch.
  std::size_t size() const noexcept { return store_.items.size(); }
  bool empty() const noexcept { return store_.items.empty(); }
  bool full() const noexcept { return maxsize_ != 0 && store_.items.size() >= maxsize_; }
  std::size_t maxsize() const noexcept { return maxsize_; }
  // getters / putters: greenlets parked in get / put.
  std::size_t getters() const noexcept { return getters_.parked(); }
  std::size_t putters() const noexcept { return putters_.parked(); }

  // next: get(), or nullopt once the queue is closed and drained.
  std::optional<T> next() {
    try {
      return get();
    } catch (const QueueShutDown&) {
      return std::nullopt;
    }
  }
  // begin/end: iterate with next() until the queue is closed and drained.
  detail::NextIterator<BasicQueue, T> begin() { return detail::NextIterator<BasicQueue, T>(this); }
  std::default_sentinel_t end() { return {}; }

 protected:
  // on_put / on_discard: JoinableQueue's accounting. Never block.
  virtual void on_put() {}
  virtual void on_discard(std::size_t) {}

 private:
  // An item (slot) is free for the caller only beyond those already promised
  // to notified getters (putters) that have not run yet: FIFO without hand-off.
  bool has_item() const noexcept { return store_.items.size() > getters_.pending(); }
  bool has_room() const noexcept { return maxsize_ == 0 || store_.items.size() + putters_.pending() < maxsize_; }
  void wake_getters() noexcept {
    while (getters_.parked() != 0 && has_item() && getters_.notify_one()) {
    }
  }
  void wake_putters() noexcept {
    while (putters_.parked() != 0 && has_room() && putters_.notify_one()) {
    }
  }
  // wait_for_item: park among the getters until an item is there for the
  // caller (true) or `timeout` passes (false); QueueShutDown once closed and
  // drained. An interrupted getter passes its turn on.
  bool wait_for_item(Duration timeout, const char* what) {
    return detail::wait_until(
        getters_, timeout, what,
        [this] {
          if (has_item()) return true;
          if (closed_) throw QueueShutDown();
          return false;
        },
        [this] { wake_getters(); });
  }

  Store store_;
  std::size_t maxsize_;
  bool closed_ = false;
  detail::WaitList getters_;
  detail::WaitList putters_;
};

// Queue: first in, first out.
template <class T>
using Queue = BasicQueue<T, detail::FifoStore<T>>;

// LifoQueue: last in, first out.
template <class T>
using LifoQueue = BasicQueue<T, detail::LifoStore<T>>;

// PriorityQueue: smallest item first by `Less` (std::pair/tuple priorities
// work as in Python: (priority, data)).
template <class T, class Less = std::less<T>>
using PriorityQueue = BasicQueue<T, detail::HeapStore<T, Less>>;

// JoinableQueue: a Queue that counts unfinished items; consumers call
// task_done() per item, and join() waits until every put item was done.
//
//   q.put(job);            // in a consumer: auto j = q.get(); work(j); q.task_done();
//   q.join();              // every job processed
template <class T>
class JoinableQueue : public Queue<T> {
 public:
  explicit JoinableQueue(std::size_t maxsize = 0) : Queue<T>(maxsize) { done_.set(); }

  // task_done: one item taken earlier is processed. Never switches. Throws
  // std::logic_error when called more times than items were put.
  void task_done() {
    if (unfinished_ == 0) throw std::logic_error("green::JoinableQueue::task_done() called too many times");
    if (--unfinished_ == 0) done_.set();
  }
  // join: park until every item put so far was task_done()'d (or discarded by
  // shutdown(true)), or `timeout` passes; returns whether all were. Kill and
  // Timeout interrupt it.
  bool join(Duration timeout = forever) {
    if (timeout != forever) return done_.wait(timeout) && unfinished_ == 0;
    while (unfinished_ != 0) done_.wait();  // a put may follow the set that woke us
    return true;
  }
  // unfinished: items put and not yet marked done.
  std::size_t unfinished() const noexcept { return unfinished_; }

 protected:
  void on_put() override {
    ++unfinished_;
    done_.clear();
  }
  void on_discard(std::size_t n) override {
    unfinished_ -= std::min(n, unfinished_);
    if (unfinished_ == 0) done_.set();
  }

 private:
  std::size_t unfinished_ = 0;
  Event done_;
};

}  // namespace green

#include "green/channel.h"

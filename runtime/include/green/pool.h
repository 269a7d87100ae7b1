// green/pool.h — track groups of greenlets and bound how many run (gevent.pool).
//
//   green::Pool pool(10);                              // at most 10 at once
//   for (auto& page : green::Pool(4).imap(fetch, urls)) show(page);
//
// A greenlet is a member from spawn/add until it dies; it leaves the group
// (and, in a Pool, frees its slot) when its links fire, right after it died.
// Objects belong to the hub thread that uses them. A Group must outlive the
// IMaps made from it; destroying a Group leaves its greenlets running.
#pragma once

#include <cstddef>
#include <exception>
#include <functional>
#include <list>
#include <memory>
#include <optional>
#include <ranges>
#include <stdexcept>
#include <type_traits>
#include <utility>
#include <vector>

#include "green/detail/linkable.h"
#include "green/detail/next_iterator.h"
#include "green/event.h"
#include "green/greenlet.h"
#include "green/queue.h"
#include "green/semaphore.h"

namespace green {

template <class R>
class IMap;

// PoolFull: add(g, /*blocking=*/false) (or a timed add) found no free slot
// (gevent's PoolFull).
class PoolFull : public std::runtime_error {
 public:
  PoolFull() : std::runtime_error("green: the Pool is full (no free slot for add); wait, or add with blocking=true") {}
};

// imap_default_maxsize: how many calls of an imap may be started and not yet
// consumed, unless the imap call says otherwise.
inline constexpr std::size_t imap_default_maxsize = 64;

// Group: an unbounded set of greenlets to join, kill or map over together.
//
//   green::Group group;
//   group.spawn(worker, 1); group.spawn(worker, 2); group.join();
class Group {
 public:
  Group() { empty_.set(); }
  Group(const Group&) = delete;
  Group& operator=(const Group&) = delete;
  virtual ~Group();

  // spawn: start f(args...) as a member and return its handle. In a full
  // Pool it first parks (FIFO) until a slot is free; kill and Timeout
  // interrupt that wait, and then nothing was spawned.
  template <class F, class... A>
  auto spawn(F&& f, A&&... a) {
    acquire_slot(forever);
    try {
      auto g = green::spawn(std::forward<F>(f), std::forward<A>(a)...);
      insert(g);
      return g;
    } catch (...) {
      release_slot();
      throw;
    }
  }
  // add: make an existing greenlet a member (no-op if it is one). A full Pool
  // first parks until a slot is free, as spawn does; with blocking = false it
  // throws PoolFull at once instead, and with a `timeout` it throws PoolFull
  // when none came free in time. Kill and Timeout interrupt the wait (then
  // nothing was added). discard: forget it without killing it (frees its slot).
  void add(const AnyGreenlet& g, bool blocking = true, Duration timeout = forever);
  void discard(const AnyGreenlet& g);
  bool contains(const AnyGreenlet& g) const;

  // size: members now. greenlets: a copy of them. Never switch.
  std::size_t size() const noexcept { return members_.size(); }
  std::vector<AnyGreenlet> greenlets() const;

  // join: park until the group is empty or `timeout` passes; returns whether
  // it is empty. With raise_error, afterwards rethrows the exception of the
  // first member (present at the call) that failed. Kill and Timeout interrupt it.
  bool join(Duration timeout = forever, bool raise_error = false);
  // kill: kill every member (GreenletExit when `exc` is null) without waiting
  // in between; with `block`, then join(timeout). Returns whether it is empty.
  bool kill(std::exception_ptr exc = nullptr, bool block = true, Duration timeout = forever);
  // killone: kill one member (GreenletExit when `exc` is null); with `block`,
  // then wait up to `timeout` for it to die. Returns whether it is dead; a
  // greenlet that is not a member is left alone (false unless already dead).
  // It leaves the group, freeing its slot, as it dies. May switch when blocking.
  bool killone(const AnyGreenlet& g, std::exception_ptr exc = nullptr, bool block = true, Duration timeout = forever);

  // apply: f(args...) in a member greenlet, waiting for its result (get()
  // semantics: its failure is rethrown). Called from a member, it just calls
  // f directly, so a full Pool cannot deadlock on itself.
  template <class F, class... A>
  auto apply(F&& f, A&&... a) {
    if (contains(getcurrent())) return std::invoke(std::forward<F>(f), std::forward<A>(a)...);
    return spawn(std::forward<F>(f), std::forward<A>(a)...).get();
  }
  // apply_async: start f(args...) as a member and return at once with the
  // AsyncResult its value (or failure) arrives in — wait on it with get() or
  // green::wait. A full Pool first parks for a slot, as spawn does (kill and
  // Timeout interrupt that wait; then nothing was started). A killed call's
  // result holds its GreenletExit.
  template <class F, class... A>
  auto apply_async(F&& f, A&&... a) {
    using T = std::invoke_result_t<std::decay_t<F>, std::decay_t<A>...>;
    auto g = spawn(std::forward<F>(f), std::forward<A>(a)...);
    auto result = std::make_shared<AsyncResult<T>>();
    g.rawlink([result](const AnyGreenlet& done) { (*result)(done); });
    return result;
  }
  // map: f(x) for every x of `items`, run as members; returns the results in
  // input order. The first failure (in input order) is rethrown after the
  // calls still running were killed. May switch.
  template <class F, std::ranges::input_range R>
  auto map(F f, R&& items) {
    using Out = std::invoke_result_t<F&, std::ranges::range_value_t<R>>;
    std::vector<Greenlet<Out>> gs;
    std::vector<Out> out;
    try {
      for (auto&& x : items) gs.push_back(spawn(f, x));
      for (auto& g : gs) out.push_back(g.get());
    } catch (...) {
      for (auto& g : gs) g.kill(nullptr, false);
      for (auto& g : gs) g.join();
      throw;
    }
    return out;
  }
  // imap / imap_unordered: like map, but lazy: the results come out of the
  // returned IMap as they are iterated — in input order (imap) or completion
  // order (imap_unordered). A background greenlet spawns the calls, waiting
  // for slots in a Pool, and never lets more than `maxsize` calls be started
  // and not yet consumed: a slow consumer holds the spawning back instead of
  // letting results pile up (gevent's imap maxsize). A failed call rethrows
  // from the iteration step that reaches it. See IMap.
  template <class F, std::ranges::input_range R>
  auto imap(F f, R&& items, std::size_t maxsize = imap_default_maxsize) {
    return make_imap(std::move(f), std::forward<R>(items), true, maxsize);
  }
  template <class F, std::ranges::input_range R>
  auto imap_unordered(F f, R&& items, std::size_t maxsize = imap_default_maxsize) {
    return make_imap(std::move(f), std::forward<R>(items), false, maxsize);
  }

 protected:
  // acquire_slot / release_slot: Pool's bound. acquire may park up to
  // `timeout` (a non-positive one only tries); returns whether it got one.
  virtual bool acquire_slot(Duration) { return true; }
  virtual void release_slot() noexcept {}

 private:
  struct Member final : detail::LinkNode {
    Member(Group* grp, AnyGreenlet h) : group(grp), g(std::move(h)) {}
    void fire() override { group->remove(it); }
    Group* group;
    AnyGreenlet g;
    std::list<Member>::iterator it;
  };
  void insert(const AnyGreenlet& g);
  void remove(std::list<Member>::iterator it) noexcept;

  template <class F, class R>
  auto make_imap(F f, R&& items, bool ordered, std::size_t maxsize);

  std::list<Member> members_;
  Event empty_;
};

// Pool: a Group that runs at most `size` members at once.
//
//   green::Pool pool(2);
//   auto lengths = pool.map([](std::string s) { return fetch(s).size(); }, urls);
class Pool : public Group {
 public:
  // Pool: `size` must be at least 1 (std::invalid_argument otherwise).
  explicit Pool(std::size_t size);

  // capacity: the bound. free_count: slots free now. full: none free.
  std::size_t capacity() const noexcept { return capacity_; }
  std::size_t free_count() const noexcept { return slots_.counter(); }
  bool full() const noexcept { return free_count() == 0; }
  // wait_available: park until a slot is free (without taking it) or
  // `timeout` passes; returns free_count(). Kill and Timeout interrupt it.
  std::size_t wait_available(Duration timeout = forever);

 protected:
  bool acquire_slot(Duration timeout) override { return slots_.acquire(timeout); }
  void release_slot() noexcept override { slots_.release(); }

 private:
  std::size_t capacity_;
  Semaphore slots_;
};

// IMap<T>: the lazy results of Group::imap / imap_unordered. Iterate it (or
// call next()) to get each result; iteration parks while the next result is
// not ready and ends after the last. Movable, not copyable. Destroying it
// early stops spawning (it waits for the feeding greenlet to die); calls
// already running finish in the group.
template <class T>
class IMap {
 public:
  IMap(IMap&&) noexcept = default;
  IMap& operator=(IMap&&) = delete;
  ~IMap() {
    if (!feeder_) return;  // moved from
    try {
      feeder_.kill();
    } catch (...) {
      // Interrupted while waiting: the feeder still dies at its next switch.
    }
  }

  // next: the next result, or nullopt after the last. Rethrows a call's
  // failure. Kill and Timeout interrupt the wait.
  std::optional<T> next() {
    std::optional<Greenlet<T>> g;
    try {
      g.emplace(state_->out.get());
    } catch (const QueueShutDown&) {
      return std::nullopt;
    }
    state_->room.release();  // consumed: the feeder may start one more
    return g->get();
  }

  // begin/end: iterate with next().
  detail::NextIterator<IMap, T> begin() { return detail::NextIterator<IMap, T>(this); }
  std::default_sentinel_t end() { return {}; }

 private:
  friend class Group;
  // State: shared with the feeder and the calls' links, which may outlive us.
  struct State {
    explicit State(std::size_t maxsize) : room(maxsize) {}
    Queue<Greenlet<T>> out;  // results in the order they are to be yielded
    Semaphore room;          // calls that may still start before the consumer takes results
    std::size_t spawned = 0;
    std::size_t finished = 0;
    bool fed = false;
    bool ordered = true;
    void maybe_close() {
      if (fed && (ordered || finished == spawned)) out.close();
    }
  };
  explicit IMap(std::size_t maxsize) : state_(std::make_shared<State>(maxsize)) {}
  std::shared_ptr<State> state_;
  AnyGreenlet feeder_;
};

template <class F, class R>
auto Group::make_imap(F f, R&& items, bool ordered, std::size_t maxsize) {
  using In = std::ranges::range_value_t<R>;
  using Out = std::invoke_result_t<F&, In>;
  std::vector<In> inputs(std::ranges::begin(items), std::ranges::end(items));
  IMap<Out> m(maxsize ? maxsize : 1);
  m.state_->ordered = ordered;
  // The feeder holds the shared state, not the IMap: the IMap may move.
  m.feeder_ = green::spawn([this, st = m.state_, fn = std::move(f), in = std::move(inputs)]() mutable {
    struct Done {
      typename IMap<Out>::State* st;
      ~Done() {
        st->fed = true;
        st->maybe_close();
      }
    } done{st.get()};
    for (auto& x : in) {
      st->room.acquire();
      Greenlet<Out> g = spawn(fn, std::move(x));
      ++st->spawned;
      if (st->ordered) {
        st->out.put_nowait(g);
        continue;
      }
      g.rawlink([st, g](const AnyGreenlet&) {
        ++st->finished;
        st->out.put_nowait(g);
        st->maybe_close();
      });
    }
  });
  return m;
}

}  // namespace green

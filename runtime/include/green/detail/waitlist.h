// green/detail/waitlist.h — the two ways a toolkit primitive parks greenlets.
//
// 1. wait_linkable(): wait until a Linkable is ready (Event, AsyncResult) —
//    the pattern join_core uses for greenlets: a link node that fires a Waiter.
//
// 2. WaitList: a FIFO of greenlets parked on a primitive's own condition
//    (semaphore permits, queue items, free queue slots). The primitive calls
//    notify_one() when the condition may now hold for the first waiter.
//
// A notification can be lost without care: notify_one() takes the entry off
// the list and wakes its greenlet, but a kill or Timeout may reach that
// greenlet before it runs. wait_in() therefore runs the primitive's `pass_on`
// when an exception interrupts an already-notified wait, so the primitive can
// give the permit back / notify the next waiter. That is why queue getters
// are only *told* an item exists and take it themselves (gevent's rule): an
// interrupted getter never holds an item, so no item is ever lost.
//
// `pending()` counts entries notified but not yet resumed. Primitives use it
// to keep FIFO order: a newcomer may take an item or slot at once only when
// there are more of them than already-notified waiters will take.
//
// Hazard: from the hub (a timer callback, a posted function), wake() switches
// into the woken greenlet at once, which may re-enter the primitive before
// notify_one() returns. So a primitive updates its state before notifying, and
// notifies in loops that re-read the state each time.
//
// All of it belongs to the hub thread that owns the primitive.
#pragma once

#include <chrono>
#include <cstddef>
#include <optional>

#include "green/detail/intrusive_list.h"
#include "green/detail/linkable.h"
#include "green/detail/sched.h"
#include "green/duration.h"
#include "green/waiter.h"

namespace green::detail {

// wait_linkable: park until `obj` is ready (or its links fire) or `timeout`
// passes. Returns whether the links fired — true even if the object stopped
// being ready since (an Event set then cleared still releases its waiters).
// Kill/Timeout propagate; the link is removed on every exit.
inline bool wait_linkable(Linkable& obj, Duration timeout, const char* reason) {
  if (obj.ready()) return true;
  struct Node final : LinkNode {
    Waiter<void> waiter;
    ~Node() { Linkable::unlink(*this); }
    void fire() override { waiter.switch_(); }
  } node;
  obj.rawlink(node);
  return node.waiter.wait(timeout, reason);
}

class WaitList {
 public:
  // Entry: one parked greenlet, living on its stack for the length of a wait.
  struct Entry : ListNode {
    Entry(WaitList& l, void* d) noexcept : list(l), data(d), who(current_core()) {
      list.parked_.push_back(*this);
      ++list.count_;
    }
    ~Entry() {
      if (linked()) {
        IntrusiveList::remove(*this);
        --list.count_;
      } else if (notified) {
        --list.pending_;
      }
    }
    Entry(const Entry&) = delete;
    Entry& operator=(const Entry&) = delete;

    WaitList& list;
    void* data;             // the primitive's payload (a Channel putter's item)
    GreenletCore* who;      // the parked greenlet (a Lock hands ownership to it)
    bool notified = false;  // taken off the list by notify_one
    Waiter<void> waiter;
  };

  WaitList() = default;
  WaitList(const WaitList&) = delete;
  WaitList& operator=(const WaitList&) = delete;

  // parked: entries still waiting for a notification.
  std::size_t parked() const noexcept { return count_; }
  // pending: entries notified that have not resumed yet.
  std::size_t pending() const noexcept { return pending_; }
  // front: the longest-waiting parked entry, or null.
  Entry* front() const noexcept { return static_cast<Entry*>(parked_.front()); }

  // notify_one: wake the longest-waiting entry; false when none is parked.
  // Never blocks (see the hazard above: from the hub it may run the woken
  // greenlet before returning).
  bool notify_one() noexcept {
    auto* e = static_cast<Entry*>(parked_.pop_front());
    if (!e) return false;
    --count_;
    ++pending_;
    e->notified = true;
    e->waiter.switch_();  // last: *e may be gone once this returns
    return true;
  }
  // notify_all: wake every entry parked now (not those that arrive meanwhile).
  void notify_all() noexcept {
    for (std::size_t n = count_; n != 0 && notify_one(); --n) {
    }
  }

 private:
  IntrusiveList parked_;
  std::size_t count_ = 0;
  std::size_t pending_ = 0;
};

// wait_in: park the caller on `list` until notified or `timeout` passes;
// returns whether it was notified. When a kill or Timeout interrupts a wait
// that was already notified, `pass_on()` runs (after the entry left the list)
// before the exception propagates. `data` is stored in the entry.
template <class PassOn>
bool wait_in(WaitList& list, Duration timeout, const char* reason, PassOn&& pass_on, void* data = nullptr) {
  std::optional<WaitList::Entry> entry(std::in_place, list, data);
  try {
    return entry->waiter.wait(timeout, reason);
  } catch (...) {
    bool notified = entry->notified;
    entry.reset();
    if (notified) pass_on();
    throw;
  }
}

// wait_until: wait_in repeatedly until `ready()` returns true (true) or
// `timeout` passes in total (false). `ready()` runs first, before any wait,
// and again after every wakeup; it may throw (a closed queue) and it is where
// the caller's condition is re-checked — a notification is a hint, not a
// guarantee. A non-positive timeout only checks.
template <class Ready, class PassOn>
bool wait_until(WaitList& list, Duration timeout, const char* reason, Ready&& ready, PassOn&& pass_on,
                void* data = nullptr) {
  if (ready()) return true;
  if (timeout <= Duration::zero()) return false;
  const bool bounded = timeout != forever;
  const auto deadline = bounded ? std::chrono::steady_clock::now() + timeout : std::chrono::steady_clock::time_point{};
  for (;;) {
    Duration left = forever;
    if (bounded) {
      left = std::chrono::duration_cast<Duration>(deadline - std::chrono::steady_clock::now());
      if (left <= Duration::zero()) return false;
    }
    bool notified = wait_in(list, left, reason, pass_on, data);
    if (ready()) return true;
    if (!notified) return false;  // the time ran out
  }
}

}  // namespace green::detail

// core/timers.h — green's timers: a Timer is one deadline with a callback;
// each EventLoop (loop.h) keeps its timers in a TimerHeap and arms one timerfd
// for the earliest (timers.cpp). Timers fire after the loop's events, once
// CLOCK_MONOTONIC has reached their deadline: never early, and late only by
// what the kernel and the machine add (no millisecond rounding).
#pragma once

#include <cstddef>

#include "green/detail/deadline.h"
#include "green/duration.h"

namespace green::detail {

class EventLoop;
class Timer;

// TimerSlot: one entry of a loop's timer heap. The deadline is kept here, not
// only in the Timer: a Timer usually lives on its greenlet's stack, a page of
// its own, so comparing through the pointer cost a cache and TLB miss per
// heap level (with 100,000 sleepers, heap_sift_down was the hub's largest cost).
struct TimerSlot {
  Deadline due;
  Timer* timer;
};

// TimerHeap: a 4-ary min-heap of TimerSlots by deadline (half the levels of a
// binary heap, and a node's four children in one cache line: the storage is
// 64-byte aligned and the root sits at index 3, so children start at multiples
// of 4). Indexes given to and taken from it are the heap's own, root 0.
class TimerHeap {
 public:
  TimerHeap() = default;
  TimerHeap(const TimerHeap&) = delete;
  TimerHeap& operator=(const TimerHeap&) = delete;
  ~TimerHeap() { release(); }

  std::size_t size() const noexcept { return size_; }
  bool empty() const noexcept { return size_ == 0; }
  TimerSlot& operator[](std::size_t i) noexcept { return data_[i + kRoot]; }
  const TimerSlot& front() const noexcept { return data_[kRoot]; }
  // insert: add `t`, due at `due` (throws std::bad_alloc).
  void insert(Timer* t, Deadline due);
  // remove: take out `t`, which is in the heap.
  void remove(Timer* t) noexcept;
  // keep_if: keep only the timers `keep` says yes to (the others are
  // dropped from the heap, nothing else), and restore the heap order.
  template <class Keep>
  void keep_if(Keep keep) noexcept;

 private:
  static constexpr std::size_t kRoot = 3;
  void push_back(TimerSlot s);  // grow by one (throws std::bad_alloc); the new slot is size()-1
  void sift_up(std::size_t i) noexcept;
  void sift_down(std::size_t i) noexcept;
  void place(std::size_t i, TimerSlot s) noexcept;
  void release() noexcept;
  TimerSlot* data_ = nullptr;
  std::size_t size_ = 0;
  std::size_t capacity_ = 0;  // slots after the root's offset
};

// Timer: a one-shot timer calling fn(arg) in the hub, at its deadline
// (CLOCK_MONOTONIC, as steady_clock), never before.
class Timer {
 public:
  Timer(void (*fn)(void*), void* arg) noexcept : fn_(fn), arg_(arg) {}
  ~Timer() { stop(); }
  Timer(const Timer&) = delete;
  Timer& operator=(const Timer&) = delete;

  // start: (re)arm for `after` from now; out of memory for the heap aborts
  // with a message (a timer cannot be refused silently). `owner`: the
  // greenlet the timer works for, so a forked child can drop the timers of
  // the greenlets it left behind.
  void start(EventLoop& loop, Duration after, const void* owner = nullptr) noexcept;
  void stop() noexcept;
  bool active() const noexcept { return loop_ != nullptr; }

 private:
  friend class EventLoop;
  friend class TimerHeap;
  std::size_t heap_index_ = 0;
  EventLoop* loop_ = nullptr;
  const void* owner_ = nullptr;
  void (*fn_)(void*);
  void* arg_;
};

template <class Keep>
void TimerHeap::keep_if(Keep keep) noexcept {
  std::size_t kept = 0;
  for (std::size_t i = 0; i < size_; ++i) {
    TimerSlot s = (*this)[i];
    if (keep(s.timer)) place(kept++, s);
  }
  size_ = kept;
  for (std::size_t i = kept; i-- > 0;) sift_down(i);
}

}  // namespace green::detail

// core/timers.cpp — green's timers (loop.h): a 4-ary min-heap of (deadline,
// Timer*) per loop, and one timerfd armed to the earliest deadline just before
// the loop blocks. A timer fires in run_once, after the loop's events, once
// CLOCK_MONOTONIC has reached its deadline — never early, and late only by
// what the kernel and the machine add (no millisecond rounding).
#include <sys/timerfd.h>
#include <time.h>

#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <limits>
#include <new>

#include "core/loop.h"

namespace green::detail {

namespace {
// due_after: now + after, saturating (timeouts of years are accepted).
std::int64_t due_after(Duration after) noexcept {
  const std::int64_t now = monotonic_ns();
  const std::int64_t d = after.count() < 0 ? 0 : after.count();
  return d > std::numeric_limits<std::int64_t>::max() - now ? std::numeric_limits<std::int64_t>::max() : now + d;
}
}  // namespace

void TimerHeap::push_back(TimerSlot s) {
  if (size_ == capacity_) {
    const std::size_t cap = capacity_ ? capacity_ * 2 : 64;
    auto* d = static_cast<TimerSlot*>(::operator new((cap + kRoot) * sizeof(TimerSlot), std::align_val_t{64}));
    if (size_) std::memcpy(d + kRoot, data_ + kRoot, size_ * sizeof(TimerSlot));
    release();
    data_ = d;
    capacity_ = cap;
  }
  data_[kRoot + size_++] = s;
}

void TimerHeap::release() noexcept {
  if (data_) ::operator delete(data_, std::align_val_t{64});
  data_ = nullptr;
}

void Timer::start(EventLoop& loop, Duration after, const void* owner) noexcept {
  stop();
  loop_ = &loop;
  owner_ = owner;
  try {
    loop.heap_push(this, due_after(after));
  } catch (const std::bad_alloc&) {
    std::fprintf(stderr, "green: out of memory arming a timer (the hub's timer heap cannot grow)\n");
    std::abort();
  }
  loop.armed_++;
}

void Timer::stop() noexcept {
  if (!loop_) return;
  loop_->heap_remove(this);
  loop_->armed_--;
  loop_ = nullptr;
}

void EventLoop::drop_timers_if(bool (*drop)(const void* owner)) noexcept {
  const bool had = !timers_.empty();
  std::size_t kept = 0;
  for (std::size_t i = 0; i < timers_.size(); ++i) {
    TimerSlot s = timers_[i];
    if (drop(s.timer->owner_)) {
      s.timer->loop_ = nullptr;
      armed_--;
    } else {
      s.timer->heap_index_ = kept;
      timers_[kept++] = s;
    }
  }
  timers_.resize_down(kept);
  for (std::size_t i = kept; i-- > 0;) heap_sift_down(i);
  if (had && timers_.empty()) timers_nonempty(false);
}

void EventLoop::heap_push(Timer* t, std::int64_t due_ns) {
  timers_.push_back(TimerSlot{due_ns, t});
  heap_sift_up(timers_.size() - 1);
  if (timers_.size() == 1) timers_nonempty(true);
}

void EventLoop::heap_remove(Timer* t) noexcept {
  const std::size_t i = t->heap_index_;
  const TimerSlot last = timers_[timers_.size() - 1];
  timers_.pop_back();
  if (last.timer != t) {
    heap_place(i, last);
    heap_sift_up(i);
    heap_sift_down(last.timer->heap_index_);
  }
  if (timers_.empty()) timers_nonempty(false);
}

void EventLoop::heap_place(std::size_t i, TimerSlot s) noexcept {
  timers_[i] = s;
  s.timer->heap_index_ = i;
}

void EventLoop::heap_sift_up(std::size_t i) noexcept {
  const TimerSlot s = timers_[i];
  while (i > 0) {
    const std::size_t parent = (i - 1) / 4;
    if (timers_[parent].due_ns <= s.due_ns) break;
    heap_place(i, timers_[parent]);
    i = parent;
  }
  heap_place(i, s);
}

void EventLoop::heap_sift_down(std::size_t i) noexcept {
  const TimerSlot s = timers_[i];
  const std::size_t n = timers_.size();
  for (;;) {
    const std::size_t first = 4 * i + 1;
    if (first >= n) break;
    const std::size_t end = first + 4 < n ? first + 4 : n;
    std::size_t child = first;
    for (std::size_t c = first + 1; c < end; ++c)
      if (timers_[c].due_ns < timers_[child].due_ns) child = c;
    if (s.due_ns <= timers_[child].due_ns) break;
    heap_place(i, timers_[child]);
    i = child;
  }
  heap_place(i, s);
}

void EventLoop::arm_timer_fd() noexcept {
  if (timers_.empty()) return;  // a stale arming only makes one empty wakeup
  const std::int64_t due = timers_.front().due_ns;
  if (due == timer_fd_due_) return;
  itimerspec its{};
  // Zero would disarm the timerfd: a deadline that is due already is 1 ns.
  const std::int64_t at = due > 0 ? due : 1;
  its.it_value.tv_sec = static_cast<time_t>(at / 1000000000);
  its.it_value.tv_nsec = static_cast<long>(at % 1000000000);
  if (::timerfd_settime(timer_fd_, TFD_TIMER_ABSTIME, &its, nullptr) == 0) timer_fd_due_ = due;
}

void EventLoop::fire_due_timers() {
  if (timers_.empty()) return;
  std::int64_t now = monotonic_ns();
  while (!timers_.empty() && timers_.front().due_ns <= now) {
    Timer* t = timers_.front().timer;
    heap_remove(t);
    // Inactive before the callback, which may switch away for a long time
    // (and may start the timer again).
    armed_--;
    t->loop_ = nullptr;
    t->fn_(t->arg_);
    now = monotonic_ns();
  }
}

}  // namespace green::detail

// core/timers.cpp — green's timers (timers.h): the heap, and the loop's side
// of them — one timerfd armed to the earliest deadline just before the loop
// blocks (its libev watch is in loop.cpp), and the firing in run_once.
#include <sys/timerfd.h>
#include <time.h>

#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <new>

#include "core/timers.h"

#include "core/loop.h"

namespace green::detail {

void TimerHeap::push_back(TimerSlot s) {
  if (size_ == capacity_) {
    const std::size_t cap = capacity_ ? capacity_ * 2 : 64;
    auto* d = static_cast<TimerSlot*>(::operator new ((cap + kRoot) * sizeof(TimerSlot), std::align_val_t{64}));
    if (size_) std::memcpy(d + kRoot, data_ + kRoot, size_ * sizeof(TimerSlot));
    release();
    data_ = d;
    capacity_ = cap;
  }
  data_[kRoot + size_++] = s;
}

void TimerHeap::release() noexcept {
  if (data_) ::operator delete (data_, std::align_val_t{64});
  data_ = nullptr;
}

void Timer::start(EventLoop& loop, Duration after, const void* owner) noexcept {
  stop();
  loop_ = &loop;
  owner_ = owner;
  try {
    loop.timer_start(this, Deadline::after(after));
  } catch (const std::bad_alloc&) {
    std::fprintf(stderr, "green: out of memory arming a timer (the hub's timer heap cannot grow)\n");
    std::abort();
  }
  loop.armed_++;
}

void Timer::stop() noexcept {
  if (!loop_) return;
  loop_->timer_stop(this);
  loop_->armed_--;
  loop_ = nullptr;
}

void EventLoop::drop_timers_if(bool (*drop)(const void* owner)) noexcept {
  const bool had = !timers_.empty();
  timers_.keep_if([&](Timer* t) {
    if (!drop(t->owner_)) return true;
    t->loop_ = nullptr;
    armed_--;
    return false;
  });
  if (had && timers_.empty()) timers_nonempty(false);
}

void EventLoop::timer_start(Timer* t, Deadline due) {
  timers_.insert(t, due);
  if (timers_.size() == 1) timers_nonempty(true);
}

void EventLoop::timer_stop(Timer* t) noexcept {
  timers_.remove(t);
  if (timers_.empty()) timers_nonempty(false);
}

void TimerHeap::insert(Timer* t, Deadline due) {
  push_back(TimerSlot{due, t});
  sift_up(size_ - 1);
}

void TimerHeap::remove(Timer* t) noexcept {
  const std::size_t i = t->heap_index_;
  const TimerSlot last = (*this)[--size_];
  if (last.timer != t) {
    place(i, last);
    sift_up(i);
    sift_down(last.timer->heap_index_);
  }
}

void TimerHeap::place(std::size_t i, TimerSlot s) noexcept {
  (*this)[i] = s;
  s.timer->heap_index_ = i;
}

void TimerHeap::sift_up(std::size_t i) noexcept {
  const TimerSlot s = (*this)[i];
  while (i > 0) {
    const std::size_t parent = (i - 1) / 4;
    if ((*this)[parent].due <= s.due) break;
    place(i, (*this)[parent]);
    i = parent;
  }
  place(i, s);
}

void TimerHeap::sift_down(std::size_t i) noexcept {
  const TimerSlot s = (*this)[i];
  for (;;) {
    const std::size_t first = 4 * i + 1;
    if (first >= size_) break;
    const std::size_t end = first + 4 < size_ ? first + 4 : size_;
    std::size_t child = first;
    for (std::size_t c = first + 1; c < end; ++c)
      if ((*this)[c].due < (*this)[child].due) child = c;
    if (s.due <= (*this)[child].due) break;
    place(i, (*this)[child]);
    i = child;
  }
  place(i, s);
}

void EventLoop::arm_timer_fd() noexcept {
  if (timers_.empty()) return;  // a stale arming only makes one empty wakeup
  const Deadline due = timers_.front().due;
  if (due == timer_fd_due_) return;
  itimerspec its{};
  // Zero would disarm the timerfd: a deadline that is due already is 1 ns.
  const std::int64_t at = due.ns() > 0 ? due.ns() : 1;
  its.it_value.tv_sec = static_cast<time_t>(at / 1000000000);
  its.it_value.tv_nsec = static_cast<long>(at % 1000000000);
  if (::timerfd_settime(timer_fd_, TFD_TIMER_ABSTIME, &its, nullptr) == 0) timer_fd_due_ = due;
}

void EventLoop::fire_due_timers() {
  if (timers_.empty()) return;
  Deadline now = Deadline::now();
  while (!timers_.empty() && timers_.front().due <= now) {
    Timer* t = timers_.front().timer;
    timer_stop(t);
    // Inactive before the callback, which may switch away for a long time
    // (and may start the timer again).
    armed_--;
    t->loop_ = nullptr;
    t->fn_(t->arg_);
    now = Deadline::now();
  }
}

}  // namespace green::detail

// timers.cpp — green's timers (loop.h): a binary min-heap of Timer* per
// loop, by deadline, and one timerfd armed to the earliest deadline just before
// the loop blocks. A timer fires in run_once, after the loop's events, once
// CLOCK_MONOTONIC has reached its deadline — never early, and late only by
// what the kernel and the machine add (no millisecond rounding).
#include <sys/timerfd.h>
#include <time.h>

#include <cstdio>
#include <cstdlib>
#include <limits>
#include <new>

#include "loop.h"

namespace green::detail {

namespace {
// due_after: now + after, saturating (timeouts of years are accepted).
std::int64_t due_after(Duration after) noexcept {
  const std::int64_t now = monotonic_ns();
  const std::int64_t d = after.count() < 0 ? 0 : after.count();
  return d > std::numeric_limits<std::int64_t>::max() - now ? std::numeric_limits<std::int64_t>::max() : now + d;
}
}  // namespace

void Timer::start(EventLoop& loop, Duration after, const void* owner) noexcept {
  stop();
  due_ns_ = due_after(after);
  loop_ = &loop;
  owner_ = owner;
  try {
    loop.heap_push(this);
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
  for (Timer* t : timers_) {
    if (drop(t->owner_)) {
      t->loop_ = nullptr;
      armed_--;
    } else {
      t->heap_index_ = kept;
      timers_[kept++] = t;
    }
  }
  timers_.resize(kept);
  for (std::size_t i = kept / 2; i-- > 0;) heap_sift_down(i);
  if (had && timers_.empty()) timers_nonempty(false);
}

void EventLoop::heap_push(Timer* t) {
  timers_.push_back(t);
  t->heap_index_ = timers_.size() - 1;
  heap_sift_up(t->heap_index_);
  if (timers_.size() == 1) timers_nonempty(true);
}

void EventLoop::heap_remove(Timer* t) noexcept {
  const std::size_t i = t->heap_index_;
  Timer* last = timers_.back();
  timers_.pop_back();
  if (last != t) {
    timers_[i] = last;
    last->heap_index_ = i;
    heap_sift_up(i);
    heap_sift_down(last->heap_index_);
  }
  if (timers_.empty()) timers_nonempty(false);
}

void EventLoop::heap_sift_up(std::size_t i) noexcept {
  Timer* t = timers_[i];
  while (i > 0) {
    const std::size_t parent = (i - 1) / 2;
    if (timers_[parent]->due_ns_ <= t->due_ns_) break;
    timers_[i] = timers_[parent];
    timers_[i]->heap_index_ = i;
    i = parent;
  }
  timers_[i] = t;
  t->heap_index_ = i;
}

void EventLoop::heap_sift_down(std::size_t i) noexcept {
  Timer* t = timers_[i];
  const std::size_t n = timers_.size();
  for (;;) {
    std::size_t child = 2 * i + 1;
    if (child >= n) break;
    if (child + 1 < n && timers_[child + 1]->due_ns_ < timers_[child]->due_ns_) ++child;
    if (t->due_ns_ <= timers_[child]->due_ns_) break;
    timers_[i] = timers_[child];
    timers_[i]->heap_index_ = i;
    i = child;
  }
  timers_[i] = t;
  t->heap_index_ = i;
}

void EventLoop::arm_timer_fd() noexcept {
  if (timers_.empty()) return;  // a stale arming only makes one empty wakeup
  const std::int64_t due = timers_.front()->due_ns_;
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
  while (!timers_.empty() && timers_.front()->due_ns_ <= now) {
    Timer* t = timers_.front();
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

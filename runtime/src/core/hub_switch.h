// core/hub_switch.h — the hub's switch path, inline: choosing the next greenlet
// and switching to it. Every park, wake and yield runs it, and the hottest
// waits (a join) inline it whole: each call frame between a switch and the
// code that waited is a return the CPU mispredicts when that code resumes.
// Only hub.cpp and the files whose waits are that hot include it.
#pragma once

#include "core/hub_core.h"
#include "diag/trace.h"

namespace green::detail {

// Inline (the common case: nothing to do) in front of an out-of-line first
// start, whose stack locals would otherwise keep yield_switch from making its
// jump a tail call.
[[gnu::always_inline]] inline bool Hub::prepare(GreenletCore& g) noexcept {
  return g.state_ != GreenletCore::State::created || prepare_first(g);
}

// Inline (with pick_next): both sit on every park, wake and yield.
[[gnu::always_inline]] inline void Hub::begin_switch(GreenletCore& next) noexcept {
  // GREEN_TRACE: off, one test of a global that never changes while switches run.
  if (trace_on()) [[unlikely]]
    trace_switch(*this, *current_, next);
  current_ = &next;
  next.state_ = GreenletCore::State::running;
  // Green-threads mode: a green thread runs on its own thread descriptor. A
  // hub that never ran one pays a flag test (beside current_) per switch.
  if (tp_switching_) [[unlikely]]
    switch_thread_pointer(next);
  // Relaxed, and a plain load+store: no locked instruction on the switch path.
  // Only the blocking monitor's thread reads it concurrently.
  switches_.store(switches_.load(std::memory_order_relaxed) + 1, std::memory_order_relaxed);
}

[[gnu::always_inline]] inline void Hub::switch_to(GreenletCore& next) noexcept {
  GreenletCore* prev = current_;
  // Greenlets share their thread's errno: each keeps its own across a switch.
  // Located from the thread pointer (errno is a call to __errno_location)
  // before begin_switch may install next's: a green thread's errno is in its
  // own descriptor, and the hub may run on that.
  int* const err = errno_location();
  const int saved_errno = *err;
  begin_switch(next);
  after_switch(fiber_switch(prev->fiber_, next.fiber_));
  *err = saved_errno;
}

[[gnu::always_inline]] inline void Hub::after_switch(FiberState* from) noexcept {
  if (from->finished) recycle(from);
  else if (from->away) [[unlikely]] send_away(from);
}

[[gnu::always_inline]] inline GreenletCore* Hub::pick_next() noexcept {
  // A greenlet the loop woke (a timer, an fd) goes back to the loop when it
  // parks: the loop has more due events to dispatch, and a chain of ready
  // greenlets run first would make every one of them late.
  if (in_loop_) return hub_core_.get();
  // Checking the clock on every handoff would cost more than the handoff.
  bool budget_left = (++direct_switches_ & 63) != 0 || within_batch();
  while (budget_left) {
    auto* r = static_cast<Runnable*>(ready_.front());
    if (!r || !r->is_greenlet()) break;
    ready_.pop_front();
    auto* g = static_cast<GreenletCore*>(r);
    if (prepare(*g)) return g;
  }
  return hub_core_.get();
}

// park_switch: what every park does once it may wait: mark `me` parked and
// switch to what runs next, until something wakes it.
[[gnu::always_inline]] inline void Hub::park_switch(GreenletCore& me, const char* reason) noexcept {
  me.state_ = GreenletCore::State::parked;
  me.wait_reason_ = reason;
  switch_to(*pick_next());
  me.wait_reason_ = nullptr;
}

// park_untimed: park(reason, forever), inline. Falls back to park() for what
// that one reports or throws (in the hub, a pending kill).
[[gnu::always_inline]] inline void Hub::park_untimed(const char* reason) {
  GreenletCore* me = current_;
  if (in_hub() || me->pending_) {
    park(reason, forever);
    return;
  }
  me->wait_deadline_ = Deadline::never();
  park_switch(*me, reason);
  if (me->pending_) throw_pending(*me);
}

// park_until: park until `done` is set (by what wakes us) or `timeout`
// passes; returns `done`. Untimed waits take the inline path.
[[gnu::always_inline]] inline bool Hub::park_until(const bool& done, Duration timeout, const char* reason) {
  if (timeout == forever) {
    while (!done) park_untimed(reason);
    return true;
  }
  const Deadline deadline = Deadline::after(timeout);
  while (!done) {
    Duration left = deadline.left();
    if (left <= Duration::zero() || !park(reason, left)) break;
  }
  return done;
}

}  // namespace green::detail

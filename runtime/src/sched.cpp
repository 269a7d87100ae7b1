// sched.cpp — the free functions of green/detail/sched.h, green/waiter.h and
// green/sleep.h: thin doors into the hub.
#include "green/detail/sched.h"

#include <chrono>

#include "green/sleep.h"
#include "green/waiter.h"
#include "hub.h"

namespace green {
namespace detail {

bool park(const char* reason, Duration timeout) { return Hub::get().park(reason, timeout); }

void wake(GreenletCore* g) noexcept { g->hub_->wake(g); }

void yield_now() { Hub::get().yield(); }

bool in_hub() noexcept {
  Hub* h = Hub::peek();
  return h && h->in_hub();
}

bool WaiterBase::wait_fired(Duration timeout, const char* reason) {
  if (fired_) return true;
  Hub& hub = Hub::get();
  greenlet_ = hub.current();
  struct Clear {
    GreenletCore*& g;
    ~Clear() { g = nullptr; }
  } clear{greenlet_};
  if (timeout == forever) {
    while (!fired_) hub.park(reason, forever);
    return true;
  }
  auto deadline = std::chrono::steady_clock::now() + timeout;
  while (!fired_) {
    auto left = std::chrono::duration_cast<Duration>(deadline - std::chrono::steady_clock::now());
    if (left <= Duration::zero() || !hub.park(reason, left)) break;
  }
  return fired_;
}

}  // namespace detail

void sleep(Duration d) {
  detail::Hub& hub = detail::Hub::get();
  if (d <= Duration::zero()) {
    hub.yield();
    return;
  }
  if (d == forever) {
    for (;;) hub.park("sleep(forever)", forever);
  }
  // A stale wake cannot shorten a sleep: loop to the deadline.
  auto deadline = std::chrono::steady_clock::now() + d;
  for (;;) {
    auto left = std::chrono::duration_cast<Duration>(deadline - std::chrono::steady_clock::now());
    if (left <= Duration::zero()) return;
    hub.park("sleep", left);
  }
}

void yield() { detail::Hub::get().yield(); }

}  // namespace green

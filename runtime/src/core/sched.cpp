// core/sched.cpp — the free functions of green/detail/sched.h, green/waiter.h and
// green/sleep.h: thin doors into the hub.
#include "green/detail/sched.h"

#include <chrono>

#include "core/hub_core.h"
#include "core/hub_switch.h"
#include "green/sleep.h"
#include "green/waiter.h"

namespace green {
namespace detail {

bool park(const char* reason, Duration timeout) { return Hub::get().park(reason, timeout); }

void wake(GreenletCore* g) noexcept { g->hub_->wake(g); }

void yield_now() { Hub::get().yield(); }

boost::context::detail::transfer_t yield_switch() { return Hub::get().yield_switch(); }

void yield_landed(boost::context::detail::transfer_t t) { Hub::peek()->yield_landed(t); }

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
  return hub.park_until(fired_, timeout, reason);  // inline (hub_switch.h): one call frame less
}

}  // namespace detail

void sleep(Duration d) {
  detail::Hub& hub = detail::Hub::get();
  if (d <= Duration::zero()) {
    hub.yield();
    return;
  }
  // A stale wake cannot shorten a sleep: loop to the deadline.
  const detail::Deadline deadline = detail::Deadline::after(d);
  for (;;) {
    Duration left = deadline.left();
    if (left <= Duration::zero()) return;
    hub.park("sleep", left);
  }
}

}  // namespace green

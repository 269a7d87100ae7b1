// core/runtime_internal.cpp — runtime_internal.h, but for its fd waits (fd_wait.cpp).
#include "runtime_internal.h"

#include <exception>

#include "core/hub_core.h"
#include "green/detail/sched.h"

namespace green::detail {

bool hub_exists() noexcept { return Hub::peek() != nullptr; }

EventLoop* this_thread_loop() noexcept {
  Hub* h = Hub::peek();
  return h ? &h->loop() : nullptr;
}

void forget_watches_on(EventLoop* loop, int fd) noexcept {
  if (loop) loop->forget_watches(fd);
}

bool parking_reaches_loop() noexcept {
  Hub* h = Hub::peek();
  return !h || (!h->in_hub() && h->nothing_ready());
}

GreenletCore* running_greenlet() noexcept {
  Hub* h = Hub::peek();
  return h && !h->in_hub() ? h->current() : nullptr;
}

void wake_queued(GreenletCore* g) noexcept {
  if (g->state_ != GreenletCore::State::parked) return;
  Hub& hub = *g->hub_;
  bool was = hub.defer_wakes_;
  hub.defer_wakes_ = true;
  hub.wake(g);
  hub.defer_wakes_ = was;
}

void interrupt(GreenletCore* g, std::exception_ptr e) noexcept {
  if (g->state_ != GreenletCore::State::parked) return;
  if (!g->pending_) g->pending_ = std::move(e);
  wake_queued(g);
}

namespace {
thread_local int t_native_threads = 0;
}
NativeThreads::NativeThreads() noexcept { ++t_native_threads; }
NativeThreads::~NativeThreads() { --t_native_threads; }
bool native_threads_requested() noexcept { return t_native_threads > 0; }

}  // namespace green::detail

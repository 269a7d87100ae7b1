// green/hub.h — the per-thread hub: cross-thread wakeups and counters.
//
// Each OS thread that uses green gets one hub, created on first use: a fiber
// running a libev loop (its own ev_loop_new loop, never libev's default one)
// and the ready queue. See docs/architecture.md for one hub iteration.
#pragma once

#include <cstddef>
#include <functional>
#include <memory>

#include "green/detail/noncopyable.h"

namespace green {

namespace detail {
struct Mailbox;
}

// HubHandle: a thread-safe reference to one thread's hub, for other OS threads.
//
//   auto hub = green::this_hub();            // in the hub's thread
//   green::KeepAlive hold;                   // "a wakeup is coming from elsewhere"
//   std::thread t([&] { work(); hub.post([&] { waiter.switch_(); }); });
class HubHandle {
 public:
  HubHandle() = default;
  // post: run `fn` in the hub soon (ev_async). Safe from any thread. `fn` runs
  // on the hub's stack and must not block; it may wake greenlets (Waiter,
  // wake). Returns false when the hub's thread has already gone.
  bool post(std::function<void()> fn) const;

 private:
  friend HubHandle this_hub();
  explicit HubHandle(std::shared_ptr<detail::Mailbox> m) : mailbox_(std::move(m)) {}
  std::shared_ptr<detail::Mailbox> mailbox_;
};

// this_hub: the current thread's hub (created if needed).
HubHandle this_hub();

// KeepAlive: while one exists, the hub does not report "would block forever"
// for lack of watchers — another thread promised to post a wakeup. Create and
// destroy it on the hub's thread.
class KeepAlive : detail::NonCopyable {
 public:
  KeepAlive();
  ~KeepAlive();
};

// HubStats: counters of this thread's hub, for leak checks and diagnostics.
struct HubStats {
  std::size_t live_greenlets = 0;   // spawned and not yet dead (main excluded)
  std::size_t active_watchers = 0;  // timers and fd watches currently armed
  std::size_t stacks_in_use = 0;    // mapped stacks held by live greenlets
  std::size_t stacks_pooled = 0;    // stacks cached for reuse
  std::size_t keepalives = 0;       // KeepAlive objects alive
  unsigned long long switches = 0;  // context switches so far
};
HubStats hub_stats();

}  // namespace green

// green/detail/linkable.h — something greenlets can wait for (gevent's
// AbstractLinkable): a dead greenlet, a set event, a ready result.
//
// Waiting is built on links. A LinkNode added with rawlink() fires once the
// object is ready; firing always happens in the hub, in FIFO order of linking,
// from one hub callback that takes nodes off the front one at a time — so a
// fired node may unlink any other node safely (a woken joiner tearing down its
// other waits does exactly that).
//
// Who touches what: all of it belongs to the hub thread that owns the object.
#pragma once

#include "green/detail/intrusive_list.h"
#include "green/detail/runnable.h"

namespace green::detail {

struct LinkNode : ListNode {
  // fire: called in the hub when the linked object is ready. Must not block.
  virtual void fire() = 0;

 protected:
  ~LinkNode() = default;
};

class Linkable {
 public:
  Linkable() noexcept;
  Linkable(const Linkable&) = delete;
  Linkable& operator=(const Linkable&) = delete;

  // ready: whether waiting on this object would return at once.
  virtual bool ready() const noexcept = 0;

  // rawlink: fire `n` once ready (soon, in the hub, if ready already).
  void rawlink(LinkNode& n) noexcept;
  // unlink: forget `n`; no-op if it fired or was never linked.
  static void unlink(LinkNode& n) noexcept { IntrusiveList::remove(n); }
  // links: what is linked now, for looking through (unlink after the walk).
  const IntrusiveList& links() const noexcept { return links_; }

 protected:
  // notify_links: schedule the firing of every current link (call on becoming ready).
  void notify_links() noexcept;
  // fire_links_now: fire every current link right here, in link order (a
  // greenlet that just died, on its own stack: see Hub::greenlet_entry).
  // after_notify is the caller's business.
  void fire_links_now() noexcept;
  // after_notify: called last by a notification, after every link fired; the
  // object may destroy itself here (a dead greenlet drops its self-reference).
  virtual void after_notify() noexcept {}
  // ~Linkable unqueues a pending notification so the hub never sees a dead object.
  virtual ~Linkable();

 private:
  // Notify finds its Linkable by its offset in it rather than by a pointer
  // of its own (see RunnableOps for why bytes count here).
  struct Notify : Runnable {
    Notify() noexcept : Runnable(ops_) {}
  };
  static Linkable& of(Runnable* notify) noexcept;
  static void run_notify(Runnable* r);
  static const RunnableOps ops_;

  IntrusiveList links_;
  Notify notify_;  // queued in the hub while a notification is pending
};

}  // namespace green::detail

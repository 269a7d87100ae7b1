// greenlet/linkable.cpp — see green/detail/linkable.h.
#include "green/detail/linkable.h"

#include "core/container_of.h"
#include "core/hub_core.h"

namespace green::detail {

// At thread exit the links cannot fire any more (nothing would run what they
// wake), but the object's own cleanup must still happen.
const RunnableOps Linkable::ops_{&Linkable::run_notify, [](Runnable* r) { of(r).after_notify(); }};

Linkable& Linkable::of(Runnable* notify) noexcept {
  return *GREEN_CONTAINER_OF(static_cast<Notify*>(notify), Linkable, notify_);
}

Linkable::Linkable() noexcept = default;

Linkable::~Linkable() {
  if (notify_.linked())
    if (Hub* h = Hub::peek()) h->unqueue(notify_);
  while (links_.pop_front()) {
  }
}

void Linkable::rawlink(LinkNode& n) noexcept {
  links_.push_back(n);
  if (ready()) notify_links();
}

void Linkable::notify_links() noexcept {
  if (!notify_.linked()) Hub::get().schedule(notify_);
}

void Linkable::fire_links_now() noexcept {
  while (ListNode* n = links_.pop_front()) static_cast<LinkNode*>(n)->fire();
}

void Linkable::run_notify(Runnable* r) {
  Linkable* self = &of(r);
  Hub& hub = Hub::get();
  bool outer = hub.defer_wakes_;
  hub.defer_wakes_ = true;
  self->fire_links_now();
  hub.defer_wakes_ = outer;
  self->after_notify();  // may destroy self: nothing may follow
}

}  // namespace green::detail

// linkable.cpp — see green/detail/linkable.h.
#include "green/detail/linkable.h"

#include "hub.h"

namespace green::detail {

Linkable::Notify::Notify(Linkable* o) noexcept : Runnable(Kind::callback, &Linkable::run_notify), owner(o) {
  // At thread exit the links cannot fire any more (nothing would run what they
  // wake), but the object's own cleanup must still happen.
  discard = [](Runnable* r) { static_cast<Notify*>(r)->owner->after_notify(); };
}

Linkable::Linkable() noexcept : notify_(this) {}

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
  Linkable* self = static_cast<Notify*>(r)->owner;
  Hub& hub = Hub::get();
  bool outer = hub.defer_wakes_;
  hub.defer_wakes_ = true;
  self->fire_links_now();
  hub.defer_wakes_ = outer;
  self->after_notify();  // may destroy self: nothing may follow
}

}  // namespace green::detail

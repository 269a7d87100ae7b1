// greenlet/hub_api.cpp — the public face of the hub (green/hub.h).
#include "green/hub.h"

#include "core/hub_core.h"

namespace green {

bool HubHandle::post(std::function<void()> fn) const {
  if (!mailbox_) return false;
  std::lock_guard<std::mutex> lock(mailbox_->mutex);
  if (!mailbox_->loop) return false;
  mailbox_->posted.push_back(std::move(fn));
  // Under the lock: the hub clears `loop` under the same lock before it goes.
  mailbox_->loop->async_send();
  return true;
}

HubHandle this_hub() { return HubHandle(detail::Hub::get().mailbox()); }

KeepAlive::KeepAlive() { detail::Hub::get().keepalive_add(); }
KeepAlive::~KeepAlive() { detail::Hub::get().keepalive_drop(); }

HubStats hub_stats() {
  detail::Hub* h = detail::Hub::peek();
  return h ? h->stats() : HubStats{};
}

}  // namespace green

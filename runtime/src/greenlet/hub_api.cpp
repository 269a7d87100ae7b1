// greenlet/hub_api.cpp — the public face of the hub (green/hub.h).
#include "green/hub.h"

#include "core/hub_core.h"

namespace green {

bool HubHandle::post(std::function<void()> fn) const {
  return mailbox_ && detail::mailbox_post(*mailbox_, std::move(fn));
}

HubHandle this_hub() { return HubHandle(detail::Hub::get().mailbox()); }

KeepAlive::KeepAlive() { detail::Hub::get().keepalive_add(); }
KeepAlive::~KeepAlive() { detail::Hub::get().keepalive_drop(); }

HubStats hub_stats() {
  detail::Hub* h = detail::Hub::peek();
  return h ? h->stats() : HubStats{};
}

}  // namespace green

// core/fd_slots.cpp — see fd_slots.h.
#include "core/fd_slots.h"

#include "green/detail/sched.h"

namespace green::detail {

FdSlot& FdSlots::at(int fd) {
  while (slots_.size() <= static_cast<std::size_t>(fd)) slots_.emplace_back();
  return slots_[static_cast<std::size_t>(fd)];
}

void FdSlots::notify_close(int fd) noexcept {
  FdSlot* slot = find(fd);
  if (!slot) return;
  slot->tag = 0;  // the number may name another file from now on
  while (auto* n = slot->waits.pop_front()) {
    auto* w = static_cast<FdWait*>(n);
    w->closed = true;
    if (w->woken) *w->woken = true;
    // Stop watching before the fd is closed: libev must not keep a stale
    // registration that a reused fd number would inherit.
    if (w->watch) w->watch->stop();
    wake(w->greenlet);
  }
}

}  // namespace green::detail

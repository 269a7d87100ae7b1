// core/fd_slots.h — what a hub keeps per fd number for the fd-wait engine
// (fd_engine.h): the waits that notify_close must wake, and one reusable watch.
#pragma once

#include <cstdint>
#include <deque>
#include <memory>

#include "core/loop.h"
#include "green/detail/intrusive_list.h"

namespace green::detail {

class GreenletCore;

// FdWait: one greenlet waiting on one fd, listed per fd so close can wake it.
// notify_close sets `closed` and `*woken`, stops `watch`, wakes `greenlet`.
struct FdWait : ListNode {
  GreenletCore* greenlet = nullptr;
  FdWatch* watch = nullptr;
  bool* woken = nullptr;
  bool closed = false;
  ~FdWait() { IntrusiveList::remove(*this); }
};

// FdSlot: one fd number's waits and reusable watch. A fresh watch per wait
// costs an epoll_ctl per wait (libev cannot know the number still names the
// same file); the slot's watch, restarted unchanged for the same file, costs
// none. `tag` names the file the watch last watched (the caller's: the
// interposer's fd generation); 0 is "not known", which notify_close and
// forget set. One waiter at a time uses the watch; others bring their own.
struct FdSlot {
  IntrusiveList waits;
  std::unique_ptr<FdWatch> watch;
  bool watch_busy = false;
  std::uint32_t tag = 0;
};

// FdSlots: a hub's FdSlot per fd number, made on first use.
class FdSlots {
 public:
  FdSlot& at(int fd);  // fd >= 0
  // forget: the number `fd` names a new file (its slot's watch must register
  // it with the kernel again).
  void forget(int fd) noexcept {
    if (FdSlot* s = find(fd)) s->tag = 0;
  }
  // notify_close: wake every wait listed under `fd` as closed (see FdWait).
  void notify_close(int fd) noexcept;
  // clear: forget every slot (a forked child: the waits were the parent's greenlets').
  void clear() noexcept { slots_.clear(); }

 private:
  FdSlot* find(int fd) noexcept {
    return fd >= 0 && static_cast<std::size_t>(fd) < slots_.size() ? &slots_[static_cast<std::size_t>(fd)] : nullptr;
  }
  std::deque<FdSlot> slots_;  // by fd number; a deque: slots never move
};

}  // namespace green::detail

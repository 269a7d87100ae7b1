// core/idle.cpp — green::idle() and green::wait() with no objects: the two
// waits for the hub itself rather than for an object (gevent.idle, gevent.wait()).
//
// idle: the hub keeps a list of idle greenlets. When its ready queue runs
// empty it polls the loop once without blocking, and only if that made
// nothing ready does it wake them (all at once, FIFO) — as a libev idle
// watcher runs only when no other event is pending.
//
// wait(): the main greenlet parks with main_waits_quiet_ set. When nothing
// can wake it (no ready greenlet, timer, fd watch, KeepAlive or posted call),
// the hub would raise LoopExit; with the flag it resumes it normally instead.
#include <stdexcept>

#include "core/hub_core.h"
#include "green/sleep.h"
#include "green/wait.h"

namespace green::detail {

namespace {
// IdleNode: one greenlet in idle(), on its own stack for the wait's length.
struct IdleNode : ListNode {
  GreenletCore* g;
  bool woken = false;
  // Listed by its own constructor, kept out of line: inlined into idle(), GCC
  // cannot see that the destructor unlinks and warns that a local dangles.
  [[gnu::noinline]] IdleNode(IntrusiveList& list, GreenletCore* who) noexcept : g(who) { list.push_back(*this); }
  IdleNode(const IdleNode&) = delete;
  IdleNode& operator=(const IdleNode&) = delete;
  ~IdleNode() {
    if (linked()) IntrusiveList::remove(*this);  // killed or timed out while idle
  }
};
}  // namespace

void Hub::idle() {
  IdleNode node(idlers_, current_);
  while (!node.woken) park("idle(): the hub to have nothing else ready", forever);
}

void Hub::wake_idlers() noexcept {
  // Queued, not switched to one by one: each runs after all were released.
  const bool outer = defer_wakes_;
  defer_wakes_ = true;
  while (ListNode* n = idlers_.pop_front()) {
    auto* node = static_cast<IdleNode*>(n);
    node->woken = true;
    wake(node->g);
  }
  defer_wakes_ = outer;
}

void Hub::wait_quiet() {
  if (current_ != main_.get())
    throw std::logic_error(
        "green::wait(): only the main greenlet can wait for everything else to finish (gevent's rule); "
        "from a spawned greenlet, join or wait on the objects you need");
  main_waits_quiet_ = true;
  quiet_reached_ = false;
  struct Reset {
    Hub& h;
    ~Reset() { h.main_waits_quiet_ = false; }
  } reset{*this};
  while (!quiet_reached_) park("wait(): every other greenlet, timer and watcher to finish", forever);
}

}  // namespace green::detail

namespace green {

void idle() { detail::Hub::get().idle(); }

void wait() { detail::Hub::get().wait_quiet(); }

}  // namespace green

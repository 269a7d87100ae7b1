// green/detail/runnable.h — an entry of the hub's ready queue.
//
// The ready queue holds two kinds of work, in one FIFO: greenlets to resume and
// callbacks to run on the hub's own stack (link notifications, posted
// functions). A greenlet resumes where it parked; a callback runs to completion
// and must not block.
#pragma once

#include "green/detail/intrusive_list.h"

namespace green::detail {

struct Runnable;

// RunnableOps: what the hub does with a queued entry. One static table per
// kind of entry rather than two pointers in each: every greenlet embeds two
// entries (itself, its link notification), and a million greenlets alive at
// once pay for every byte.
struct RunnableOps {
  void (*run)(Runnable*);  // a callback run in the hub; null: a greenlet, resumed by a switch
  // discard: called instead when the hub is torn down (its thread exits) with
  // the entry still queued; drops references without running user code. May be null.
  void (*discard)(Runnable*);
};

struct Runnable : ListNode {
  explicit Runnable(const RunnableOps& o) noexcept : ops(&o) {}
  Runnable(const Runnable&) = delete;
  Runnable& operator=(const Runnable&) = delete;
  // ~Runnable does not unqueue: owners that can die while queued call
  // Hub::unqueue (Linkable does).
  ~Runnable() = default;

  bool is_greenlet() const noexcept { return ops->run == nullptr; }

  const RunnableOps* ops;
};

}  // namespace green::detail

// green/detail/runnable.h — an entry of the hub's ready queue.
//
// The ready queue holds two kinds of work, in one FIFO: greenlets to resume and
// callbacks to run on the hub's own stack (link notifications, posted
// functions). A greenlet resumes where it parked; a callback runs to completion
// and must not block.
#pragma once

#include "green/detail/intrusive_list.h"

namespace green::detail {

struct Runnable : ListNode {
  enum class Kind : unsigned char { greenlet, callback };
  explicit Runnable(Kind k, void (*fn)(Runnable*) = nullptr) noexcept : kind(k), callback(fn) {}
  Runnable(const Runnable&) = delete;
  Runnable& operator=(const Runnable&) = delete;
  // ~Runnable does not unqueue: owners that can die while queued call
  // Hub::unqueue (Linkable does).
  ~Runnable() = default;

  Kind kind;
  void (*callback)(Runnable*);  // Kind::callback only: run in the hub
  // discard: called instead when the hub is torn down (its thread exits) with
  // this entry still queued; drops references without running user code.
  void (*discard)(Runnable*) = nullptr;
};

}  // namespace green::detail

// green/detail/sched.h — the scheduler primitives every wait is built from.
//
// park() is the only way a greenlet gives up the CPU; wake() the only way one
// is made runnable again. Both run on the hub's thread.
#pragma once

#include "green/detail/greenlet_core.h"
#include "green/duration.h"

namespace green::detail {

// park: suspend the current greenlet until wake() or `timeout` passes
// (forever = no timer). Returns false when the timeout woke it. Throws a
// pending kill/Timeout exception on resume, BlockingInHubError from the hub,
// LoopExit when nothing can ever wake it. `reason` names the wait in errors.
bool park(const char* reason, Duration timeout = forever);

// wake: make a parked greenlet run. From the hub it switches into it at once
// (I/O and timer wakeups go straight to the waiter); from a greenlet it joins
// the back of the ready queue. No-op unless `g` is parked.
void wake(GreenletCore* g) noexcept;

// yield_now: go to the back of the ready queue (sleep(0)).
void yield_now();

// in_hub: whether the hub itself is running (callbacks, links).
bool in_hub() noexcept;

}  // namespace green::detail

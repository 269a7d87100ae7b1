// green/sleep.h — give up the CPU for a while.
#pragma once

#include "green/detail/yield.h"
#include "green/duration.h"

namespace green {

// sleep: park the current greenlet for `d` on a timer. sleep(0) (or any
// non-positive duration) puts it at the back of the ready queue instead, letting
// every other ready greenlet run first. Interrupted by kill and Timeout.
// Called outside any spawned greenlet it sleeps the main greenlet, and the
// others run meanwhile.
void sleep(Duration d);

// yield: sleep(0). Inline: see green/detail/yield.h.
inline void yield() { detail::yield_landed(detail::yield_switch()); }

// idle: park until the hub has nothing else to do: every ready greenlet ran
// and a poll of the loop found no I/O or timer due (gevent.idle). All
// greenlets in idle() are released together. Kill and Timeout interrupt it;
// throws BlockingInHubError from the hub.
void idle();

}  // namespace green

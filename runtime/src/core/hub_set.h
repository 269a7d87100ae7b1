// core/hub_set.h — the hubs a green-threads program's threads are spread over
// (GREEN_THREADS=N, `green-run --threads=N`): N OS threads, each running a hub.
//
// The first hub is the one of the thread that made the first green thread
// (the main thread's); the others are OS threads of green's ("green-hub"),
// made then, whose own stacks do nothing but keep their hub alive. A new
// green thread goes to the hub with the fewest live green threads and stays
// there for life: its waits, timers and fd watches are that hub's, and a wake
// from another hub goes through that hub's mailbox (the parking lot does so).
// A green thread that stops its hub is handed off to a spare OS thread as with
// one hub (core/handoff.h), so a hub is never stuck behind one.
//
// With more than one hub no hub can tell alone that nothing can ever wake its
// greenlets: another hub may still release them. Each holds its loop alive
// and says when it sleeps with nothing of its own to wake it (Hub::set_stuck);
// the watchdog (diag/monitor.cpp) reports a deadlock once every hub has slept
// so through two of its looks with no switch anywhere between, no post in
// flight to any hub (a wake on its way) and no green thread on a spare.
#pragma once

#include <functional>

#include "runtime_internal.h"

namespace green::detail {

class Hub;

// hub_set_all_stuck: the watchdog's look: true once every hub of the set has
// been stuck (asleep with nothing of its own that can wake it) through two
// consecutive calls. False with one hub (the hub itself reports then).
bool hub_set_all_stuck() noexcept;

// hub_set_note_watch: hub `index` registered `fd` with its loop (a wait on
// it); hub_set_notify_close (runtime_internal.h) wakes its waiters there when
// another hub closes the fd.
void hub_set_note_watch(int fd, int index) noexcept;

// hub_set_each_other: post `fn` to every hub of the set but the caller's.
void hub_set_each_other(const std::function<void()>& fn);

// hub_set_wanted: N > 1 hubs were asked for and are being made (or are).
bool hub_set_wanted() noexcept;

// hub_set_after_fork_child: in a forked child: the forking thread's hub is the
// only one (the others' threads are not in the child).
void hub_set_after_fork_child() noexcept;

}  // namespace green::detail

// gate/gate.h — whether a hook acts (the counters GREEN_STATS prints: stats.h).
//
// A hook acts (may park the calling greenlet) only when all of these hold:
// interposition is on (always under LD_PRELOAD; after green::patch_all() with
// green::interpose), the caller is not the hub itself (libev's own epoll_wait
// and eventfd I/O come through the hooks), and the thread either has a hub or
// is the main thread (whose hub is created by the first call that must wait).
// Other threads, which never asked for a hub, get plain libc: their blocking
// calls block only themselves, as natively.
#pragma once

#include "gate/stats.h"

namespace green::interpose {

// enabled / set_enabled: the patch switch (green/patch.h).
bool enabled() noexcept;
void set_enabled(bool on) noexcept;

// active: should hook `h` act on this call? Counts the reason when not.
bool active(Hook h) noexcept;

// is_main_thread: the caller runs on the process's main thread.
bool is_main_thread() noexcept;

// in_hub_now: the hub itself is running on this thread.
bool in_hub_now() noexcept;

}  // namespace green::interpose

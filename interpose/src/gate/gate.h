// gate/gate.h — whether a hook acts, and the counters GREEN_STATS prints.
//
// A hook acts (may park the calling greenlet) only when all of these hold:
// interposition is on (always under LD_PRELOAD; after green::patch_all() with
// green::interpose), the caller is not the hub itself (libev's own epoll_wait
// and eventfd I/O come through the hooks), and the thread either has a hub or
// is the main thread (whose hub is created by the first call that must wait).
// Other threads, which never asked for a hub, get plain libc: their blocking
// calls block only themselves, as natively.
#pragma once

#include <cstddef>

namespace green::interpose {

enum class Hook : unsigned {
#define HOOK(family, name) name,
#include "hooked_symbols.def"
#undef HOOK
};
inline constexpr std::size_t kHookCount = 0
#define HOOK(family, name) +1
#include "hooked_symbols.def"
#undef HOOK
    ;

// Why: what happened to one call, for GREEN_STATS.
enum class Why : unsigned {
  green,          // handled by green (it may or may not have had to wait)
  parked,         // ... and parked at least once
  parked_first,   // ... parked before its first try: the fd's last read found nothing (park.h)
  off,            // interposition switched off (green::interpose before patch_all)
  hub,            // made by the hub itself (libev)
  other_thread,   // a thread with no hub
  not_pollable,   // regular file, directory, block device: straight to libc
  user_nonblock,  // the user's O_NONBLOCK / MSG_DONTWAIT: libc's answer as is
  dlsym,          // reached while dlsym was resolving a symbol: failed with ENOSYS
  count_
};
inline constexpr std::size_t kWhyCount = static_cast<std::size_t>(Why::count_);

// count: add one to hook `h`'s counter for `w`. Lock-free, async-signal-safe.
void count(Hook h, Why w) noexcept;

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

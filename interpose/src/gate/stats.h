// gate/stats.h — which hook a call came through, and the counters GREEN_STATS
// prints at exit: per hook, what happened to its calls.
#pragma once

#include <cstddef>

namespace green::interpose {

// Hook: one hooked symbol (hooked_symbols.def).
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
  parked_first,   // ... parked before its first try: the fd's last read found nothing (io/blocking_call.h)
  off,            // interposition switched off (green::interpose before patch_all)
  hub,            // made by the hub itself (libev)
  other_thread,   // a thread with no hub
  not_pollable,   // regular file, directory, block device: straight to libc
  user_nonblock,  // the user's O_NONBLOCK / MSG_DONTWAIT: libc's answer as is
  dlsym,          // reached while dlsym was resolving a symbol: failed with ENOSYS
  count_
};
inline constexpr std::size_t kWhyCount = static_cast<std::size_t>(Why::count_);

// hook_name: the symbol `h` hooks ("read", "nanosleep"...): a string literal.
const char* hook_name(Hook h) noexcept;

// count: add one to hook `h`'s counter for `w`. Lock-free, async-signal-safe.
void count(Hook h, Why w) noexcept;

}  // namespace green::interpose

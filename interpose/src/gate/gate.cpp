// gate/gate.cpp — the patch switch and the "may this hook act" gate.
#include "gate/gate.h"

#include <sys/syscall.h>
#include <unistd.h>

#include <atomic>

#include "green/detail/sched.h"
#include "runtime_internal.h"

namespace green::interpose {

namespace {
#ifdef GREEN_INTERPOSE_PRELOAD
constexpr bool kOnAtLoad = true;
#else
constexpr bool kOnAtLoad = false;
#endif
std::atomic<bool> g_enabled{kOnAtLoad};

// -1 unknown, 0 no, 1 yes. After fork() the forking thread is the child's
// main thread; a stale "no" only means its calls go to libc.
thread_local int t_main = -1;
}  // namespace

bool is_main_thread() noexcept {
  if (t_main < 0) t_main = green::detail::os_tid() == ::getpid() ? 1 : 0;
  return t_main == 1;
}

bool enabled() noexcept { return g_enabled.load(std::memory_order_relaxed); }
void set_enabled(bool on) noexcept { g_enabled.store(on, std::memory_order_relaxed); }

bool in_hub_now() noexcept { return detail::in_hub(); }

bool active(Hook h) noexcept {
  if (!enabled()) {
    count(h, Why::off);
    return false;
  }
  if (detail::hub_exists()) {
    if (detail::in_hub()) {
      count(h, Why::hub);
      return false;
    }
    return true;
  }
  if (is_main_thread()) return true;
  count(h, Why::other_thread);
  return false;
}

}  // namespace green::interpose

// diag/diagnostics.cpp — attaches the diagnostics to each new hub (diagnostics.h).
#include "diag/diagnostics.h"

#include "core/fork.h"

namespace green::detail {

void diagnostics_hub_created(Hub& hub) {
  overflow_guard_thread();
  dump_signal_setup(hub);
  monitor_hub_created(hub);
  fork_setup();
}

}  // namespace green::detail

// diag/diagnostics.cpp — attaches the diagnostics to each new hub (diagnostics.h).
#include "diag/diagnostics.h"

#include "core/fork.h"
#include "diag/trace.h"

namespace green::detail {

void diagnostics_hub_created(Hub& hub) {
  overflow_guard_thread();
  trace_setup();
  dump_signal_setup(hub);
  monitor_hub_created(hub);
  fork_setup();
}

}  // namespace green::detail

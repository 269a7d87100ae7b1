// diagnostics.cpp — attaches the diagnostics to each new hub (diagnostics.h).
#include "diagnostics.h"

namespace green::detail {

void diagnostics_hub_created(Hub& hub) {
  overflow_guard_thread();
  dump_signal_setup(hub);
  monitor_hub_created(hub);
}

}  // namespace green::detail

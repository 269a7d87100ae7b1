// diagnostics.cpp — attaches the diagnostics to each new hub (diagnostics.h).
#include "diagnostics.h"

namespace green::detail {

void diagnostics_hub_created(Hub& hub) {
  (void)hub;
  overflow_guard_thread();
}

}  // namespace green::detail

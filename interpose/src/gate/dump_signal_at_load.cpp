// gate/dump_signal_at_load.cpp — the runtime's diagnostics that need the preload's help.
//
// GREEN_DUMP_SIGNAL is taken by the first hub of the process. Under the
// preload the main thread's hub is otherwise created by the first call that
// has to wait, so a dump signal arriving before that would find the default
// disposition (usually: the process dies). With the setting present, the hub
// is created at load instead.
#include <cstdlib>

#include "green/hub.h"

namespace green::interpose {

namespace {
#ifdef GREEN_INTERPOSE_PRELOAD
__attribute__((constructor)) void hub_at_load_for_dump_signal() {
  const char* v = std::getenv("GREEN_DUMP_SIGNAL");
  if (v && *v) (void)green::this_hub();
}
#endif
}  // namespace

}  // namespace green::interpose

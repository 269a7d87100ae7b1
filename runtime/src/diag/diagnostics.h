// diag/diagnostics.h — the runtime's failure reports and how they attach to a hub.
//
// Each piece lives in its own file: overflow.cpp (stack overflow report),
// dump.cpp (greenlet registry listing, GREEN_DUMP_SIGNAL), monitor.cpp
// (GREEN_MAX_BLOCKING_MS watchdog). The hub calls diagnostics_hub_created once
// per hub and otherwise knows nothing about them.
#pragma once

#include <iosfwd>
#include <string>

namespace green::detail {

class Hub;

// diagnostics_hub_created: set up the diagnostics for a hub just created, on
// its own thread. Never switches.
void diagnostics_hub_created(Hub& hub);

// overflow_guard_thread: make stack overflows on this thread reportable: the
// process-wide SIGSEGV/SIGBUS handler (installed once, chaining to the one it
// replaced) and this thread's alternate signal stack (unless it has one).
void overflow_guard_thread();

// dump_signal_setup: under GREEN_DUMP_SIGNAL, make the first hub of the
// process print the dump when that signal arrives.
void dump_signal_setup(Hub& hub);

// dump_hub: the listing of `hub`'s greenlets (dump.h), `indent` before each line.
void dump_hub(Hub& hub, std::ostream& out, const char* indent);
std::string dump_hub_text(Hub& hub, const char* indent);

// monitor_hub_created: under GREEN_MAX_BLOCKING_MS or hand-off, watch this
// thread's hub (once; hand-off turned on after the hub was made calls it too).
void monitor_hub_created(Hub& hub);

}  // namespace green::detail

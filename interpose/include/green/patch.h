// green/patch.h — switch link-time interposition on and off (gevent's
// monkey.patch_all), for C++ programs that link green::interpose.
//
//   green::patch_all();                       // plain blocking calls now yield
//   auto g = green::spawn([] { ::sleep(1); });  // other greenlets run meanwhile
//
// A program linking green::interpose gets green's versions of the hooked libc
// symbols (docs/interposition.md lists them) instead of libc's. They behave
// exactly like libc's until patch_all() is called; afterwards a blocking call
// made from a greenlet (or the main thread) parks only that greenlet. Under
// LD_PRELOAD (libgreen_preload.so, green-run) interposition is on from load
// and these functions still work.
//
// None of these functions blocks or switches; they may be called from any
// thread, and the switch applies to every thread at once. Calls already
// parked finish the way they started.
#pragma once

namespace green {

// patch_all: from now on hooked calls cooperate with the hub.
void patch_all() noexcept;

// unpatch_all: from now on hooked calls go straight to libc.
void unpatch_all() noexcept;

// patched: whether hooked calls currently cooperate.
bool patched() noexcept;

}  // namespace green

// runner.h — one fuzz input, three runs, every check.
//
//   1. native, sequential: green::unpatch_all(), every op in program order on
//      the main thread, straight to libc. Ops that would block forever
//      natively (a blocking pipe with nothing to read or no room) are skipped,
//      decided by a zero-timeout poll that both runs make.
//   2. green, sequential: green::patch_all(); each op is handed to its actor's
//      greenlet and the next op waits until it is done. Nothing else acts
//      meanwhile, so every outcome is defined: return values, errno, the bytes
//      read (hash), revents, flags must equal run 1's, op by op.
//   3. green, concurrent: every actor runs its own ops at once (each op under
//      a 10 ms green::Timeout, so no op can park forever); outcomes depend on
//      the interleaving and are not compared. Checked: the stream invariants
//      (world.h), a call parked on an fd that another actor closes or dup2s
//      over ends with EBADF, no crash, no hang (a watchdog thread fails an
//      input still running after 10 s).
//
// After each run: every fd the run opened is closed again, and after the
// green runs the hub is at rest (no live greenlet, armed watcher, stack in
// use or KeepAlive). A failure prints the program and aborts (report.h).
#pragma once

#include <cstddef>
#include <cstdint>

namespace green_fuzz {

// init: once per process, before the first input (SIGPIPE ignored, hub made).
void init();

// run_input: all the checks for one input.
void run_input(const std::uint8_t* data, std::size_t size);

}  // namespace green_fuzz

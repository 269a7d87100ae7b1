// green/dump.h — list this thread's greenlets and what each one waits on.
//
//   green::dump(std::cerr);
//
// prints, for the hub of the calling OS thread:
//
//   green: greenlets of thread 4242 (main and 2 spawned):
//     'main' #0: running (the caller of dump)
//         #0 ./server(handle+0x1c) [0x55d0c3a2f1c0]
//         ...
//     'reader' #1: parked on an fd to become readable (fd 7)
//     'ticker' #2: parked on sleep, times out in 180 ms
//     (parked greenlets have no backtrace: their frames are suspended on their own stacks)
//
// Each line gives the greenlet's name, id and state; a parked one also what it
// waits on — the wait's own description (an fd and its direction, sleep,
// Lock.acquire, Event.wait, join and the greenlet joined...), the fd, and the
// time left before its timeout if it has one. The running greenlet comes with a
// backtrace (backtrace(3): symbol names need -rdynamic for the executable's own
// functions). The same listing ends the "this operation would block forever"
// LoopExit message; with GREEN_DUMP_SIGNAL set (e.g. GREEN_DUMP_SIGNAL=USR1),
// the first hub of the process prints it to stderr when that signal arrives.
#pragma once

#include <iosfwd>
#include <string>

namespace green {

// dump: write the listing above to `out`. Never switches, never creates a hub
// (a thread without one gets a single line saying so). Throws only what `out`
// throws.
void dump(std::ostream& out);

// dump_text: the same listing as a string.
std::string dump_text();

}  // namespace green

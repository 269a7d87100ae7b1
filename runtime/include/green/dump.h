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
//         #0 green::detail::Hub::park(char const*, ...)+0x1a3 (libgreen.so.0)
//         #1 green::wait_read(int, ...)+0x73 (libgreen.so.0)
//         #2 read_request(int)+0x2e (server)
//         ...
//     'ticker' #2: parked on sleep, times out in 180 ms
//         ...
//
// Each line gives the greenlet's name, id and state; a parked one also what it
// waits on — the wait's own description (an fd and its direction, sleep,
// Lock.acquire, Event.wait, join and the greenlet joined...), the fd, and the
// time left before its timeout if it has one. Every greenlet that has run comes
// with a backtrace: the running one's from backtrace(3), a parked or ready
// one's walked from the context it saved when it switched away, through frame
// pointers (bounded to 64 frames; every frame checked to lie on the greenlet's
// stack, so a corrupt stack shortens the listing, never crashes it). Frames of
// code compiled without frame pointers (-fno-omit-frame-pointer; green's own
// tree has them) are skipped or end the walk; the executable's own function
// names need -rdynamic, as for backtrace(3). The same listing ends the "this operation would block forever"
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

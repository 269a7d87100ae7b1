// core/handoff.h — hand-off: a green thread that keeps its OS thread from
// switching goes on on a spare OS thread, and its hub goes on with the others.
//
// Green-threads mode only (the interposer turns it on). A green thread that
// computes, spins on a flag, or blocks in a call green cannot see (a raw
// system call, a futex inside libc: stdio's lock) would stop every other green
// thread of its hub. The watchdog (diag/monitor.cpp) sees the hub's switch
// counter stand still for GREEN_HANDOFF_US while it is not polling, and
// signals the hub's thread (SIGURG). The handler (handoff_try) looks at what
// it interrupted: the running green thread, on a descriptor of its own, in its
// own code or libc — never inside green's (no return address into green's
// code between the interrupted stack pointer and the frame that called the
// thread's start routine; the runtime's state is consistent there). Then the
// green thread parks as "running on a spare OS thread", the hub's thread goes
// on with the next greenlet, and a spare OS thread installs the green thread's
// descriptor and resumes it inside the handler: the handler returns there, and
// the green thread carries on — its computation, or its system call,
// restarted by the kernel as after any SA_RESTART signal — on its own OS
// thread, as a pthread would.
//
// The first time it asks anything of green (any hook: Hub::get/peek is the
// door), it comes back: it switches to its spare's own context, the spare
// posts it to its hub, and the hub resumes it on the hub's thread like any
// woken greenlet. The spare becomes idle again. So only the hub's thread ever
// runs green's code for the hub; a green thread away runs only its own code.
//
// This is Go's hand-off seen from the other side: Go moves the P (run queue,
// timers) away from the M stuck in a system call; green moves the stuck green
// thread, and the hub — the event loop, timers, every other greenlet and the
// main thread's identity — stays where it is.
//
// Spares are OS threads made by the watchdog (never in a signal handler),
// bounded by GREEN_SPARE_THREADS, reused, kept with every signal blocked while
// idle, and counted in GREEN_STATS.
#pragma once

#include "runtime_internal.h"

namespace green::detail {

struct FiberState;
class GreenletCore;

// The interposer's side (handoff_enable, handoff_add_code, BlockingRegion,
// handoff_counts) is in
// runtime_internal.h.

// handoff_enabled: hand-off is on. handoff_delay_us: GREEN_HANDOFF_US.
bool handoff_enabled() noexcept;
unsigned long long handoff_delay_us() noexcept;

// handoff_try: in the watchdog's signal handler on a hub's thread, with the
// handler's ucontext: hand the running green thread to a spare if it can go
// (see top). Returns true when it went: the caller then runs on the spare and
// must just return from the handler.
bool handoff_try(void* ucontext) noexcept;

// handoff_keep_spare_ready: on the watchdog's thread: make a spare if none is
// idle and the bound allows.
void handoff_keep_spare_ready() noexcept;

// handoff_give_job: on the hub's thread, right after the switch away from the
// green thread `f` being handed off (Hub::after_switch): its context is saved,
// so the reserved spare may resume it now.
void handoff_give_job(FiberState* f) noexcept;

// handoff_spare_of: the spare running `g` (a green thread away), or null;
// handoff_spare_home: the spare's own context, which `g` switches to when it
// comes back.
struct Spare;
Spare* handoff_spare_of(const GreenletCore* g) noexcept;
FiberState& handoff_spare_home(Spare* s) noexcept;
// handoff_spare_thread_pointer: the own descriptor of the spare whose kernel
// thread id is `tid`, or null when no spare has it. Async-signal-safe.
void* handoff_spare_thread_pointer(int tid) noexcept;

// handoff_after_fork_child: the spares are gone in a child.
void handoff_after_fork_child() noexcept;

}  // namespace green::detail

// diag/trace.h — GREEN_TRACE: a Chrome trace-event JSON file of what the hubs
// did (opens in Perfetto and chrome://tracing; tools/green-trace draws it).
//
// What is written, per OS thread (one "process" per thread in the viewer, named
// "green hub, thread <tid>"; one "thread" lane per greenlet, lane 0 the hub):
//  - runs: a complete event "run" on a greenlet's lane from each switch in to
//    the switch away (the hub's own runs on lane 0);
//  - waits: a complete event named for what the greenlet waited on (the park
//    reason: "sleep", "Lock.acquire", "an fd to become readable"...), category
//    wait.fd, wait.timer, wait.lock or wait.other, from the switch away to the
//    switch back in; args: the fd, and the hooked libc call that parked if any;
//  - hooked blocking calls that parked: async slices (category "call", named
//    for the libc function) from the call's start to its return;
//  - hub iterations: complete events "iteration" on the lane "hub iterations".
// Off (GREEN_TRACE unset) each point costs one well-predicted test of
// g_trace_on. The file is bounded by GREEN_TRACE_MAX_MB; past that, events are
// dropped and the file says so (otherData.truncated and a last instant event).
// Buffers are per thread, flushed when large, at a hub's end and at exit. A
// forked child stops tracing (its parent owns the file).
#pragma once

#include <atomic>
#include <cstdint>

namespace green::detail {

class GreenletCore;
class Hub;

// g_trace_on: GREEN_TRACE is set and the file is open. Read relaxed at every point.
inline std::atomic<bool> g_trace_on{false};
[[gnu::always_inline]] inline bool trace_on() noexcept { return g_trace_on.load(std::memory_order_relaxed); }

// trace_setup: read GREEN_TRACE and GREEN_TRACE_MAX_MB once per process and
// open the file (a message on stderr if it cannot be). Called as a hub is made.
void trace_setup() noexcept;

// trace_switch: `from` stops running on `hub`, `to` starts. Before current_ moves.
[[gnu::noinline]] void trace_switch(Hub& hub, GreenletCore& from, GreenletCore& to) noexcept;

// trace_hub_iteration: the hub begins an iteration of its loop.
[[gnu::noinline]] void trace_hub_iteration() noexcept;

// trace_now_ns: the trace's clock (CLOCK_MONOTONIC, ns).
std::int64_t trace_now_ns() noexcept;

// trace_call_parked: a hooked libc call `name` (on `fd`, or -1) that parked,
// from `start_ns` until now, by the running greenlet of this thread.
void trace_call_parked(const char* name, int fd, std::int64_t start_ns) noexcept;

// trace_call_name: the hooked call about to park (named in its wait's args);
// null after it.
void trace_call_name(const char* name) noexcept;

// trace_hub_gone / trace_after_fork_child: flush this thread's buffer as its
// hub ends; stop tracing in a forked child.
void trace_hub_gone() noexcept;
void trace_after_fork_child() noexcept;

}  // namespace green::detail
